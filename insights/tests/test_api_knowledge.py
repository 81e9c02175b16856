import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AccountTeamMemberFactory, CustomerFactory
from insights.models import KeyAccountCandidate, RollupRun, Segment
from insights.tests.factories import CustomerRFMFactory, RFMSnapshotFactory

pytestmark = pytest.mark.django_db

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def _candidate(customer, reason="top_revenue", rank=1):
    return KeyAccountCandidate.objects.create(
        customer=customer,
        reason=reason,
        rank=rank,
        revenue_12m=Decimal("900000000"),
        revenue_prev_12m=Decimal("600000000"),
        growth=Decimal("0.5"),
        as_of=timezone.localdate(),
        computed_at=timezone.now(),
    )


# --- /rfm/ ---------------------------------------------------------------------------------------


def test_rfm_list_covers_only_the_reps_customers(api_client_for, rep, rep2):
    mine = CustomerRFMFactory(customer__owner=rep, customer__name="PT Saya")
    team = CustomerRFMFactory(customer__owner=rep2)
    AccountTeamMemberFactory(customer=team.customer, user=rep)
    CustomerRFMFactory(customer__owner=rep2)

    response = api_client_for(rep).get("/api/v1/rfm/")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    row = next(r for r in response.json()["results"] if r["customer"] == mine.customer_id)
    assert row["customer_name"] == "PT Saya"
    assert (row["segment"], row["segment_label"]) == ("champion", "Champion")
    assert (row["r_score"], row["f_score"], row["m_score"]) == (5, 4, 4)
    assert (row["monetary"], row["growth"], row["share_of_wallet"]) == ("120000000.00", "0.200000", "1.000000")


def test_rfm_detail_by_customer_id_and_404_outside_scope(api_client_for, rep, rep2):
    rfm = CustomerRFMFactory(customer__owner=rep, recency_days=33)
    response = api_client_for(rep).get(f"/api/v1/rfm/{rfm.customer_id}/")
    assert response.status_code == 200
    assert response.json()["recency_days"] == 33
    assert api_client_for(rep2).get(f"/api/v1/rfm/{rfm.customer_id}/").status_code == 404
    assert api_client_for(rep).get("/api/v1/rfm/999999/").status_code == 404


def test_rfm_filters_scores_segment_tier_and_ranges(api_client_for, gm, rep):
    a = CustomerRFMFactory(r_score=5, f_score=5, m_score=5, segment="champion", monetary=Decimal("900"))
    b = CustomerRFMFactory(r_score=3, f_score=4, m_score=2, segment="loyal", monetary=Decimal("500"), recency_days=60)
    c = CustomerRFMFactory(r_score=1, f_score=1, m_score=1, segment="hibernating", monetary=Decimal("100"))
    c.customer.owner = rep
    c.customer.save()
    client = api_client_for(gm)

    def ids(**params):
        response = client.get("/api/v1/rfm/", params)
        assert response.status_code == 200, response.json()
        return [row["customer"] for row in response.json()["results"]]

    assert ids(segment="loyal") == [b.customer_id]
    assert ids(r_score=5) == [a.customer_id]
    assert sorted(ids(r_score_min=3)) == sorted([a.customer_id, b.customer_id])
    assert ids(f_score_max=1) == [c.customer_id]
    assert ids(m_score_min=2, m_score_max=4) == [b.customer_id]
    assert ids(recency_min=30) == [b.customer_id]
    assert ids(monetary_min=200, monetary_max=600) == [b.customer_id]
    assert ids(owner=rep.pk) == [c.customer_id]
    assert ids(tier="key") == []
    assert ids(ordering="monetary") == [c.customer_id, b.customer_id, a.customer_id]
    assert ids(ordering="-recency_days")[0] == b.customer_id


@pytest.mark.parametrize("params", [{"r_score": 9}, {"segment": "vip"}, {"ordering": "nope"}, {"monetary_min": "x"}])
def test_rfm_bad_filters_are_400(api_client_for, gm, params):
    CustomerRFMFactory()
    assert api_client_for(gm).get("/api/v1/rfm/", params).status_code == 400


@pytest.mark.parametrize("rows", [3, 30])
def test_rfm_list_query_budget(api_client_for, rep, rows, django_assert_num_queries):
    CustomerRFMFactory.create_batch(rows, customer__owner=rep)
    client = api_client_for(rep)
    # token (+user), role, count, page (+customer)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/rfm/").status_code == 200


# --- /rfm-snapshots/ -----------------------------------------------------------------------------


def test_snapshots_filter_by_customer_and_month(api_client_for, rep, rep2):
    customer = CustomerFactory(owner=rep)
    for month in (JAN, FEB, dt.date(2026, 3, 1)):
        RFMSnapshotFactory(customer=customer, month=month, as_of=month + dt.timedelta(days=27))
    RFMSnapshotFactory(customer__owner=rep2, month=JAN, as_of=dt.date(2026, 1, 31))
    client = api_client_for(rep)

    assert client.get("/api/v1/rfm-snapshots/").json()["count"] == 3
    assert [r["month"] for r in client.get("/api/v1/rfm-snapshots/", {"month": "2026-02"}).json()["results"]] == [
        "2026-02-01"
    ]
    assert client.get("/api/v1/rfm-snapshots/", {"month": "2026-02-28"}).json()["count"] == 1
    ranged = client.get("/api/v1/rfm-snapshots/", {"month_from": "2026-02", "month_to": "2026-03"}).json()
    assert [r["month"] for r in ranged["results"]] == ["2026-02-01", "2026-03-01"]
    assert client.get("/api/v1/rfm-snapshots/", {"customer": customer.pk}).json()["count"] == 3
    assert client.get("/api/v1/rfm-snapshots/", {"month": "2026-13"}).status_code == 400


@pytest.mark.parametrize("rows", [3, 30])
def test_snapshot_list_query_budget(api_client_for, rep, rows, django_assert_num_queries):
    customer = CustomerFactory(owner=rep)
    for n in range(rows):
        month = dt.date(2020 + n // 12, n % 12 + 1, 1)
        RFMSnapshotFactory(customer=customer, month=month, as_of=month)
    client = api_client_for(rep)
    # token (+user), role, count, page (+customer)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/rfm-snapshots/").status_code == 200


# --- /segments/ ----------------------------------------------------------------------------------


def test_segments_count_all_ten_over_visible_customers(api_client_for, rep, rep2):
    CustomerRFMFactory(customer__owner=rep, revenue_12m=Decimal("100"), monetary=Decimal("1000"))
    CustomerRFMFactory(customer__owner=rep, revenue_12m=Decimal("50"), monetary=Decimal("500"))
    CustomerRFMFactory(customer__owner=rep, segment="at_risk", revenue_12m=Decimal("0"), monetary=Decimal("70"))
    CustomerRFMFactory(customer__owner=rep2, segment="at_risk")

    body = api_client_for(rep).get("/api/v1/segments/").json()
    assert body["month"] is None and body["customers"] == 3
    assert [row["segment"] for row in body["results"]] == [
        "champion",
        "loyal",
        "potential_loyalist",
        "new_customer",
        "promising",
        "need_attention",
        "about_to_sleep",
        "cant_lose_them",
        "at_risk",
        "hibernating",
    ]
    rows = {row["segment"]: row for row in body["results"]}
    assert set(rows) == set(Segment.values)
    assert (rows["champion"]["customers"], rows["champion"]["revenue_12m"], rows["champion"]["monetary"]) == (
        2,
        "150.00",
        "1500.00",
    )
    assert rows["at_risk"]["customers"] == 1
    assert rows["loyal"] == {
        "segment": "loyal",
        "label": "Loyal",
        "customers": 0,
        "share": 0.0,
        "revenue_12m": "0.00",
        "monetary": "0.00",
    }


def test_segments_of_a_snapshot_month(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    RFMSnapshotFactory(customer=customer, month=JAN, as_of=dt.date(2026, 1, 31), segment="loyal")
    body = api_client_for(rep).get("/api/v1/segments/", {"month": "2026-01"}).json()
    assert body["month"] == "2026-01-01"
    assert {row["segment"]: row["customers"] for row in body["results"]}["loyal"] == 1
    assert api_client_for(rep).get("/api/v1/segments/", {"month": "januari"}).status_code == 400


# --- /rollups/ -----------------------------------------------------------------------------------


def test_gm_queues_a_rollup_and_reads_its_status(api_client_for, gm, django_capture_on_commit_callbacks):
    client = api_client_for(gm)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/rollups/", {"kind": "full", "as_of": "2026-01-15"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["as_of"], body["status"], body["requested_by"]) == (
        "full",
        "2026-01-15",
        "queued",
        gm.pk,
    )
    assert len(callbacks) == 1
    status = client.get(f"/api/v1/rollups/{body['id']}/")
    assert status.status_code == 200 and status.json()["status"] == "queued"
    assert client.get("/api/v1/rollups/").json()["count"] == 1


def test_rollup_defaults_to_a_full_run_today(api_client_for, admin):
    response = api_client_for(admin).post("/api/v1/rollups/", {}, format="json")
    assert response.status_code == 202
    assert (response.json()["kind"], response.json()["as_of"]) == ("full", timezone.localdate().isoformat())


def test_incremental_rollup_needs_existing_customer_ids(api_client_for, gm):
    client = api_client_for(gm)
    customer = CustomerFactory()
    assert client.post("/api/v1/rollups/", {"kind": "incremental"}, format="json").status_code == 400
    missing = client.post("/api/v1/rollups/", {"kind": "incremental", "customer_ids": [999999]}, format="json")
    assert missing.status_code == 400 and "customer_ids" in missing.json()
    full_with_ids = client.post("/api/v1/rollups/", {"kind": "full", "customer_ids": [customer.pk]}, format="json")
    assert full_with_ids.status_code == 400
    ok = client.post("/api/v1/rollups/", {"kind": "incremental", "customer_ids": [customer.pk]}, format="json")
    assert ok.status_code == 202 and ok.json()["customer_ids"] == [customer.pk]


def test_rollup_refuses_future_as_of(api_client_for, gm):
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = api_client_for(gm).post("/api/v1/rollups/", {"as_of": future}, format="json")
    assert response.status_code == 400 and "as_of" in response.json()


def test_rollup_idempotency_key_replays(api_client_for, gm):
    client = api_client_for(gm)
    first = client.post("/api/v1/rollups/", {"kind": "full"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/rollups/", {"kind": "full"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert RollupRun.objects.count() == 1
    other = client.post("/api/v1/rollups/", {"kind": "snapshot"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422


def test_rollups_are_403_for_reps_and_rms(api_client_for, rep, rm):
    run = RollupRun.objects.create(kind="full", as_of=JAN)
    for user in (rep, rm):
        client = api_client_for(user)
        assert client.get("/api/v1/rollups/").status_code == 403
        assert client.get(f"/api/v1/rollups/{run.pk}/").status_code == 403
        assert client.post("/api/v1/rollups/", {"kind": "full"}, format="json").status_code == 403
    assert RollupRun.objects.count() == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_rollup_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    for n in range(rows):
        RollupRun.objects.create(kind="full", as_of=JAN + dt.timedelta(days=n), requested_by=gm)
    client = api_client_for(gm)
    # token (+user), role, count, page (+requested_by)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/rollups/").status_code == 200


# --- /key-account-candidates/ --------------------------------------------------------------------


def test_candidates_for_managers_with_reason_filter(api_client_for, gm, rep):
    top = CustomerFactory(name="PT Besar")
    CustomerRFMFactory(customer=top, segment="loyal")
    _candidate(top, "top_revenue", 1)
    _candidate(CustomerFactory(), "fast_growth", 1)
    client = api_client_for(gm)
    assert client.get("/api/v1/key-account-candidates/").json()["count"] == 2
    rows = client.get("/api/v1/key-account-candidates/", {"reason": "top_revenue"}).json()["results"]
    assert len(rows) == 1
    assert rows[0]["customer_name"] == "PT Besar"
    assert (rows[0]["reason"], rows[0]["rank"], rows[0]["segment"], rows[0]["growth"]) == (
        "top_revenue",
        1,
        "loyal",
        "0.500000",
    )
    grower = client.get("/api/v1/key-account-candidates/", {"reason": "fast_growth"}).json()["results"][0]
    assert grower["segment"] is None
    assert api_client_for(rep).get("/api/v1/key-account-candidates/").status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_candidate_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    for n in range(rows):
        customer = CustomerFactory()
        CustomerRFMFactory(customer=customer)
        _candidate(customer, "top_revenue", n + 1)
    client = api_client_for(gm)
    # token (+user), role, count, page (+customer, rfm)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/key-account-candidates/").status_code == 200
