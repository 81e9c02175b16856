import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from insights.models import CandidateRule, KeyAccountCandidate, RollupRun
from insights.tests.factories import CustomerRFMFactory, PurchaseFactory, RFMSnapshotFactory

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"insights:{name}", args=args)


def _candidate(customer, reason="top_revenue", rank=1, growth="0.5"):
    return KeyAccountCandidate.objects.create(
        customer=customer,
        reason=reason,
        rank=rank,
        revenue_12m=Decimal("900000000"),
        revenue_prev_12m=Decimal("600000000"),
        growth=Decimal(growth),
        as_of=timezone.localdate(),
        computed_at=timezone.now(),
    )


# --- the customer page ---------------------------------------------------------------------------


def test_customer_page_offers_the_rfm_tab_and_segment_fact(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    html = rep_client.get(reverse("accounts:customer_detail", args=[customer.pk])).content.decode()
    assert _url("customer_rfm", customer.pk) in html
    assert _url("customer_segment", customer.pk) in html
    assert "Purchases &amp; RFM" in html


def test_rfm_tab_shows_card_trend_and_latest_purchases(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    CustomerRFMFactory(
        customer=customer,
        segment="at_risk",
        r_score=2,
        f_score=4,
        m_score=3,
        revenue_12m=Decimal("125000000"),
        revenue_prev_12m=Decimal("250000000"),
        growth=Decimal("-0.5"),
        share_of_wallet=Decimal("0.25"),
        competitor_spend=Decimal("375000000"),
        recency_days=140,
    )
    month = timezone.localdate().replace(day=1)
    RFMSnapshotFactory(customer=customer, month=month, segment="loyal", revenue_12m=Decimal("130000000"))
    PurchaseFactory(customer=customer, amount=Decimal("7500000"), product="Semen 50kg")

    response = rep_client.get(_url("customer_rfm", customer.pk), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the tab's fragment only
    assert "At risk" in html and "Bought often before, but not recently." in html
    assert "IDR 125,000,000" in html and "-50.0%" in html
    assert "25.0%" in html and "IDR 375,000,000" in html
    assert "140 days ago" in html
    assert "Semen 50kg" in html and "IDR 7,500,000" in html
    assert f"{_url('purchase_list')}?customer={customer.pk}" in html
    assert 'id="rfm-trend-data"' in html and "chart.umd.js" in html
    assert 'data-month="{}"'.format(month.strftime("%Y-%m")) in html


def test_rfm_tab_empty_state_without_purchases(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    html = rep_client.get(_url("customer_rfm", customer.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="rfm-empty"' in html
    assert "No purchases recorded for this customer yet" in html
    assert "chart.umd.js" not in html


def test_rfm_tab_query_budget(rep_client, rep, django_assert_num_queries):
    customer = CustomerFactory(owner=rep)
    CustomerRFMFactory(customer=customer)
    for n in range(3):
        RFMSnapshotFactory(customer=customer, month=dt.date(2026, n + 1, 1), as_of=dt.date(2026, n + 1, 28))
        PurchaseFactory(customer=customer)
    # session, user, role, customer, rfm, snapshots, monthly purchase totals, latest purchases
    with django_assert_num_queries(8):
        assert rep_client.get(_url("customer_rfm", customer.pk), HTTP_HX_REQUEST="true").status_code == 200


def test_segment_fact_shows_badge_and_scores(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    CustomerRFMFactory(customer=customer, segment="champion", r_score=5, f_score=4, m_score=3)
    html = rep_client.get(_url("customer_segment", customer.pk)).content.decode()
    assert "Champion" in html and "R</small>5" in html and "M</small>3" in html
    no_purchases = CustomerFactory(owner=rep)
    assert "No purchases yet" in rep_client.get(_url("customer_segment", no_purchases.pk)).content.decode()


def test_other_teams_customer_rfm_is_a_404(rep2_client, rep):
    customer = CustomerFactory(owner=rep)
    CustomerRFMFactory(customer=customer)
    assert rep2_client.get(_url("customer_rfm", customer.pk)).status_code == 404
    assert rep2_client.get(_url("customer_segment", customer.pk)).status_code == 404


# --- segments ------------------------------------------------------------------------------------


def test_segment_overview_counts_only_the_reps_customers(rep_client, rep, rep2):
    CustomerRFMFactory(customer__owner=rep, r_score=5, f_score=5, segment="champion", revenue_12m=Decimal("100"))
    CustomerRFMFactory(customer__owner=rep, r_score=5, f_score=5, segment="champion", revenue_12m=Decimal("200"))
    CustomerRFMFactory(customer__owner=rep2, r_score=1, f_score=1, segment="hibernating")

    response = rep_client.get(_url("segment_overview"))
    assert response.status_code == 200
    grid = {(c.r, c.f): c.customers for _r, row in response.context["grid"] for c in row}
    assert grid[5, 5] == 2 and grid[1, 1] == 0
    assert response.context["summary"].customers == 2
    html = response.content.decode()
    assert f"{_url('segment_customers', 'champion')}?r=5&amp;f=5" in html
    assert 'id="segments-data"' in html


def test_segment_overview_highlights_customers_moving_down(gm_client):
    slipped = CustomerFactory(name="PT Turun")
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    RFMSnapshotFactory(customer=slipped, month=jan, as_of=dt.date(2026, 1, 31), segment="champion")
    RFMSnapshotFactory(customer=slipped, month=feb, as_of=dt.date(2026, 2, 28), segment="cant_lose_them")
    CustomerRFMFactory(customer=slipped, segment="cant_lose_them", r_score=1, f_score=5)
    html = gm_client.get(_url("segment_overview")).content.decode()
    assert 'id="moved-down"' in html and "PT Turun" in html
    assert 'class="text-end is-moved-down" data-to="cant_lose_them">1<' in html


def test_segment_overview_empty_state(rep_client):
    html = rep_client.get(_url("segment_overview")).content.decode()
    assert 'id="segments-empty"' in html


@pytest.mark.parametrize("rows", [3, 12])
def test_segment_overview_query_budget(gm_client, rows, django_assert_num_queries):
    for n in range(rows):
        customer = CustomerFactory()
        CustomerRFMFactory(customer=customer, r_score=n % 5 + 1, f_score=(n * 2) % 5 + 1)
        RFMSnapshotFactory(customer=customer, month=dt.date(2026, 1, 1), as_of=dt.date(2026, 1, 31))
        RFMSnapshotFactory(customer=customer, month=dt.date(2026, 2, 1), as_of=dt.date(2026, 2, 28), segment="at_risk")
    # session, user, role, summary, grid, snapshot months, movement matrix, moved-down list, as-of
    with django_assert_num_queries(9):
        assert gm_client.get(_url("segment_overview")).status_code == 200


def test_segment_customers_lists_and_filters(rep_client, rep, rep2):
    bandung = CustomerRFMFactory(customer__owner=rep, customer__city="Bandung", customer__name="PT Bandung")
    CustomerRFMFactory(customer__owner=rep, customer__city="Medan", customer__name="PT Medan")
    CustomerRFMFactory(customer__owner=rep, segment="loyal", customer__name="PT Loyal")
    CustomerRFMFactory(customer__owner=rep2, customer__name="PT Orang Lain")

    response = rep_client.get(_url("segment_customers", "champion"))
    names = [rfm.customer.name for rfm in response.context["page"].object_list]
    assert sorted(names) == ["PT Bandung", "PT Medan"]

    response = rep_client.get(_url("segment_customers", "champion"), {"city": "Bandung"}, HTTP_HX_REQUEST="true")
    assert [rfm.pk for rfm in response.context["page"].object_list] == [bandung.pk]
    assert "<html" not in response.content.decode()


def test_segment_customers_by_cell(rep_client, rep):
    CustomerRFMFactory(customer__owner=rep, r_score=5, f_score=4, customer__name="PT Empat")
    CustomerRFMFactory(customer__owner=rep, r_score=5, f_score=5, customer__name="PT Lima")
    response = rep_client.get(_url("segment_customers", "champion"), {"r": 5, "f": 5})
    assert [rfm.customer.name for rfm in response.context["page"].object_list] == ["PT Lima"]
    assert 'id="cell-filter"' in response.content.decode()


def test_unknown_segment_is_a_404(rep_client):
    assert rep_client.get(_url("segment_customers", "vip")).status_code == 404
    assert rep_client.get(_url("segment_export", "vip")).status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_segment_customers_query_budget(rep_client, rep, rows, django_assert_num_queries):
    CustomerRFMFactory.create_batch(rows, customer__owner=rep)
    # session, user, role, industries, cities, count, page (+customer, owner), owners for the filter
    with django_assert_num_queries(8):
        assert rep_client.get(_url("segment_customers", "champion")).status_code == 200


def test_segment_export_is_formula_safe_and_scoped(rep_client, rep, rep2):
    CustomerRFMFactory(
        customer__owner=rep,
        customer__name="=HYPERLINK(1)",
        customer__external_ref="C-1",
        customer__city="Bandung",
        customer__email="buyer@example.id",
        r_score=5,
        f_score=4,
        m_score=3,
        recency_days=10,
        frequency=12,
        monetary=Decimal("120000000.00"),
        revenue_12m=Decimal("60000000.00"),
        growth=Decimal("0.200000"),
        share_of_wallet=Decimal("0.750000"),
    )
    CustomerRFMFactory(customer__owner=rep2, customer__name="PT Lain")

    response = rep_client.get(_url("segment_export", "champion"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="segment-champion-' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "name",
        "external_ref",
        "owner",
        "industry",
        "city",
        "tier",
        "email",
        "phone",
        "segment",
        "r_score",
        "f_score",
        "m_score",
        "recency_days",
        "frequency",
        "monetary",
        "revenue_12m",
        "growth",
        "share_of_wallet",
    ]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == "'=HYPERLINK(1)"
    assert row["owner"] == rep.username
    assert (row["segment"], row["r_score"], row["f_score"], row["m_score"]) == ("champion", "5", "4", "3")
    assert (row["monetary"], row["growth"], row["share_of_wallet"]) == ("120000000.00", "0.200000", "0.750000")


def test_segment_export_query_budget(rep_client, rep, django_assert_num_queries):
    CustomerRFMFactory.create_batch(5, customer__owner=rep)
    # session, user, role, industries, cities (filter choices), the rows (+customer, owner)
    with django_assert_num_queries(6):
        response = rep_client.get(_url("segment_export", "champion"))
        b"".join(response.streaming_content)


# --- purchases -----------------------------------------------------------------------------------


def test_purchase_list_filters_and_totals(rep_client, rep, rep2):
    mine = CustomerFactory(owner=rep, name="PT Semen")
    tz = timezone.get_current_timezone()
    PurchaseFactory(customer=mine, amount=Decimal("100"), purchased_at=dt.datetime(2026, 1, 5, 10, tzinfo=tz))
    PurchaseFactory(customer=mine, amount=Decimal("250"), purchased_at=dt.datetime(2026, 2, 5, 10, tzinfo=tz))
    PurchaseFactory(customer=CustomerFactory(owner=rep2), amount=Decimal("999"))

    response = rep_client.get(_url("purchase_list"))
    assert response.context["totals"] == {"count": 2, "amount": Decimal("350")}
    response = rep_client.get(_url("purchase_list"), {"date_from": "2026-02-01"}, HTTP_HX_REQUEST="true")
    assert response.context["totals"] == {"count": 1, "amount": Decimal("250")}
    assert "IDR 250" in response.content.decode()


def test_purchase_list_for_one_customer(rep_client, rep, rep2):
    mine = CustomerFactory(owner=rep, name="PT Satu")
    PurchaseFactory(customer=mine)
    PurchaseFactory(customer=CustomerFactory(owner=rep))
    response = rep_client.get(_url("purchase_list"), {"customer": mine.pk})
    assert response.context["totals"]["count"] == 1
    assert 'id="customer-filter"' in response.content.decode()
    # Another team's customer id is no filter at all, and shows nothing of them.
    theirs = CustomerFactory(owner=rep2, name="PT Rahasia")
    PurchaseFactory(customer=theirs)
    response = rep_client.get(_url("purchase_list"), {"customer": theirs.pk})
    assert "PT Rahasia" not in response.content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_purchase_list_query_budget(rep_client, rep, rows, django_assert_num_queries):
    customer = CustomerFactory(owner=rep)
    PurchaseFactory.create_batch(rows, customer=customer)
    # session, user, role, count, page (+customer), totals, permissions for the import link (user, groups)
    with django_assert_num_queries(8):
        assert rep_client.get(_url("purchase_list")).status_code == 200


# --- rollup runs and candidates ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rollup_list", "candidate_list"])
def test_manager_pages_are_403_for_reps_and_rms(rep_client, rm_client, name):
    assert rep_client.get(_url(name)).status_code == 403
    assert rm_client.get(_url(name)).status_code == 403
    assert rep_client.post(_url(name), {}).status_code == 403


def test_run_now_queues_a_run(gm_client, gm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = gm_client.post(_url("rollup_list"), {"kind": "snapshot", "as_of": "2026-01-15"})
    run = RollupRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{_url('rollup_list')}#run-{run.pk}"
    assert (run.kind, run.as_of, run.status, run.requested_by) == ("snapshot", dt.date(2026, 1, 31), "queued", gm)
    assert len(callbacks) == 1  # the task is sent once the transaction commits


def test_run_now_refuses_a_future_date(admin_client):
    future = timezone.localdate() + dt.timedelta(days=3)
    response = admin_client.post(_url("rollup_list"), {"kind": "full", "as_of": future.isoformat()})
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    assert not RollupRun.objects.exists()


def test_rollup_list_polls_while_a_run_is_active(gm_client):
    done = RollupRun.objects.create(
        kind="full",
        as_of=dt.date(2026, 1, 1),
        status="done",
        started_at=timezone.now() - dt.timedelta(seconds=90),
        finished_at=timezone.now(),
        rows=40,
        rows_changed=7,
    )
    html = gm_client.get(_url("rollup_list")).content.decode()
    assert f'id="run-{done.pk}"' in html and "every 3s" not in html
    assert "90.0 s" in html
    RollupRun.objects.create(kind="full", as_of=dt.date(2026, 1, 2), status="queued")
    response = gm_client.get(_url("rollup_list"), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert "every 3s" in fragment and "<html" not in fragment


@pytest.mark.parametrize("rows", [3, 30])
def test_rollup_list_query_budget(gm_client, rows, django_assert_num_queries):
    for n in range(rows):
        RollupRun.objects.create(kind="full", as_of=dt.date(2026, 1, 1) + dt.timedelta(days=n), status="done")
    # session, user, role, count, page (+requested_by), any active run
    with django_assert_num_queries(6):
        assert gm_client.get(_url("rollup_list")).status_code == 200


def test_candidate_page_groups_candidates(gm_client):
    top = CustomerFactory(name="PT Terbesar")
    grower = CustomerFactory(name="PT Tumbuh")
    CustomerRFMFactory(customer=top, segment="champion")
    _candidate(top, "top_revenue", 1)
    _candidate(grower, "fast_growth", 1, growth="0.75")
    response = gm_client.get(_url("candidate_list"))
    assert [c.customer.name for c in response.context["top"]] == ["PT Terbesar"]
    assert [c.customer.name for c in response.context["growers"]] == ["PT Tumbuh"]
    html = response.content.decode()
    assert "+75.0%" in html and "IDR 900,000,000" in html
    # Each candidate that is not a key account yet links to the programme's nominate page.
    nominate = reverse("relationships:key_account_nominate")
    assert f'href="{nominate}?customer={top.pk}"' in html and f'href="{nominate}?customer={grower.pk}"' in html


@pytest.mark.parametrize("rows", [3, 20])
def test_candidate_page_query_budget(gm_client, rows, django_assert_num_queries):
    for n in range(rows):
        customer = CustomerFactory()
        CustomerRFMFactory(customer=customer)
        _candidate(customer, "top_revenue" if n % 2 else "fast_growth", n + 1)
    CandidateRule.objects.get_or_create(pk=1)
    # session, user, role, rule, candidates (+customer, owner, rfm)
    with django_assert_num_queries(5):
        assert gm_client.get(_url("candidate_list")).status_code == 200


def test_candidate_rule_form_saves_percent_as_ratio(gm_client, monkeypatch):
    from insights import rollup

    seen = {}
    monkeypatch.setattr(rollup, "candidates_write", lambda **kwargs: seen.update(kwargs) or 0)
    response = gm_client.post(
        _url("candidate_list"), {"top_n": "5", "growth_percent": "45", "min_revenue": "100000000"}
    )
    assert response.status_code == 302
    rule = CandidateRule.objects.get(pk=1)
    assert (rule.top_n, rule.growth_threshold, rule.min_revenue) == (5, Decimal("0.450"), Decimal("100000000"))
    assert seen == {"top_n": 5, "growth_threshold": Decimal("0.450"), "min_revenue": Decimal("100000000")}


def test_candidate_rule_form_rejects_bad_input(gm_client):
    response = gm_client.post(_url("candidate_list"), {"top_n": "0", "growth_percent": "-1", "min_revenue": "x"})
    assert response.status_code == 200
    assert len(response.context["form"].errors) == 3


def test_insights_entry_in_the_navigation(rep_client):
    html = rep_client.get(_url("segment_overview")).content.decode()
    assert 'href="/insights/segments/"' in html
    assert _url("rollup_list") not in html  # the managers' pages are not offered to reps


def test_managers_see_every_insights_page_in_the_sub_navigation(gm_client):
    html = gm_client.get(_url("purchase_list")).content.decode()
    assert _url("rollup_list") in html and _url("candidate_list") in html


def test_gm_dashboard_links_to_the_insights_pages(gm_client):
    html = gm_client.get(reverse("home")).content.decode()
    assert 'id="insights-card"' in html and _url("candidate_list") in html
