"""/api/v1/purchases/: list and read by visibility, create one, bulk."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.tests.factories import CustomerFactory
from insights import purchase_io
from insights.models import Purchase, PurchasePending, RollupRun
from insights.tests.factories import PurchaseFactory

URL = "/api/v1/purchases/"
BULK = "/api/v1/purchases/bulk/"


@pytest.fixture
def two_reps_purchases(rep, rep2):
    mine = PurchaseFactory(customer=CustomerFactory(owner=rep, external_ref="MINE"), amount=Decimal("10.00"))
    theirs = PurchaseFactory(customer=CustomerFactory(owner=rep2), amount=Decimal("20.00"))
    return mine, theirs


def test_rep_lists_only_purchases_of_own_customers(api_client_for, rep, two_reps_purchases):
    mine, _theirs = two_reps_purchases
    body = api_client_for(rep).get(URL).json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == mine.pk
    assert body["results"][0]["customer_ref"] == "MINE"
    assert body["results"][0]["amount"] == "10.00"


def test_other_reps_purchase_is_404(api_client_for, rep, two_reps_purchases):
    _mine, theirs = two_reps_purchases
    assert api_client_for(rep).get(f"{URL}{theirs.pk}/").status_code == 404


def test_gm_sees_every_purchase(api_client_for, gm, two_reps_purchases):
    assert api_client_for(gm).get(URL).json()["count"] == 2


def test_list_filters(api_client_for, gm):
    customer = CustomerFactory(external_ref="C-7")
    at = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
    PurchaseFactory(customer=customer, purchased_at=at, source="erp")
    PurchaseFactory(customer=customer, purchased_at=at + dt.timedelta(days=30), source="shop")
    PurchaseFactory(purchased_at=at)
    client = api_client_for(gm)
    assert client.get(URL, {"customer_ref": "C-7"}).json()["count"] == 2
    assert client.get(URL, {"customer": customer.pk, "source": "erp"}).json()["count"] == 1
    assert client.get(URL, {"purchased_from": "2025-03-11", "purchased_to": "2025-12-31"}).json()["count"] == 1
    ordered = client.get(URL, {"customer": customer.pk, "ordering": "purchased_at"}).json()["results"]
    assert [row["source"] for row in ordered] == ["erp", "shop"]


def test_list_query_count_is_fixed(api_client_for, rep, django_assert_num_queries):
    for _ in range(3):
        PurchaseFactory.create_batch(2, customer=CustomerFactory(owner=rep))
    client = api_client_for(rep)
    # token + user, role (groups), count, page (with the customer joined)
    with django_assert_num_queries(4):
        assert client.get(URL).json()["count"] == 6


def test_rep_may_not_create(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    row = {"customer": customer.pk, "purchased_at": "2025-01-01", "amount": "1"}
    assert api_client_for(rep).post(URL, row, format="json").status_code == 403
    assert api_client_for(rep).post(BULK, [row], format="json").status_code == 403
    assert Purchase.objects.count() == 0


def test_gm_creates_one_purchase(api_client_for, gm):
    customer = CustomerFactory(external_ref="C-1")
    response = api_client_for(gm).post(
        URL,
        {
            "customer_ref": "C-1",
            "purchased_at": "2025-12-31T14:05:00+07:00",
            "amount": "1.250.000,50",
            "source": "erp",
            "external_id": "INV-1",
            "quantity": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"] == customer.pk
    assert body["amount"] == "1250000.50"
    assert body["quantity"] == "3.000"
    assert body["purchased_on"] == "2025-12-31"
    assert RollupRun.objects.get().kind == "incremental"
    assert list(PurchasePending.objects.values_list("customer_id", flat=True)) == [customer.pk]


def test_create_answers_field_errors(api_client_for, gm):
    response = api_client_for(gm).post(
        URL, {"customer_ref": "NOPE", "purchased_at": "soon", "amount": -1}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"purchased_at", "amount"}
    assert body["amount"] == ["The amount cannot be negative."]
    unknown = api_client_for(gm).post(URL, {"customer_ref": "NOPE", "purchased_at": "2025-01-01", "amount": 1})
    assert unknown.json() == {"customer_ref": ["Unknown customer."]}


def test_duplicate_external_id_is_a_400_on_external_id(api_client_for, gm):
    customer = CustomerFactory()
    PurchaseFactory(customer=customer, source="erp", external_id="INV-1")
    response = api_client_for(gm).post(
        URL,
        {"customer": customer.pk, "purchased_at": "2025-01-01", "amount": 5, "source": "erp", "external_id": "INV-1"},
        format="json",
    )
    assert response.status_code == 400
    assert "already recorded" in response.json()["external_id"][0]


def test_idempotency_key_replays_the_create(api_client_for, gm):
    customer = CustomerFactory()
    client = api_client_for(gm)
    row = {"customer": customer.pk, "purchased_at": "2025-01-01", "amount": 5, "external_id": "X-1"}
    first = client.post(URL, row, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, row, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Purchase.objects.count() == 1


def test_bulk_creates_counts_and_reports_every_bad_row(api_client_for, gm):
    customer = CustomerFactory(external_ref="C-1")
    PurchaseFactory(customer=customer, source="erp", external_id="OLD")
    body = {
        "source": "erp",
        "rows": [
            {"customer_ref": "C-1", "purchased_at": "2025-01-01", "amount": 10, "external_id": "A"},
            {"customer": customer.pk, "purchased_at": "2025-01-02", "amount": "5,50", "external_id": "OLD"},
            {"customer_ref": "C-1", "purchased_at": "not a date", "amount": -3},
            "garbage",
            {"customer_ref": "NOBODY", "purchased_at": "2025-01-01", "amount": 1},
        ],
    }
    response = api_client_for(gm).post(BULK, body, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "created": 1,
        "existing": 1,
        "rejected": 3,
        "errors": [
            {"row": 2, "field": "purchased_at", "message": response.json()["errors"][0]["message"]},
            {"row": 2, "field": "amount", "message": "The amount cannot be negative."},
            {"row": 3, "field": "", "message": "Each row must be a JSON object."},
            {"row": 4, "field": "customer_ref", "message": "Unknown customer."},
        ],
    }
    assert "is not a date" in response.json()["errors"][0]["message"]
    assert Purchase.objects.filter(source="erp", external_id="A").exists()


def test_bulk_accepts_a_bare_list(api_client_for, gm):
    CustomerFactory(external_ref="C-1")
    rows = [{"customer_ref": "C-1", "purchased_at": "2025-01-01", "amount": 10}]
    response = api_client_for(gm).post(BULK, rows, format="json")
    assert response.json()["created"] == 1
    assert Purchase.objects.get().source == "api"


@pytest.mark.parametrize("body", [{}, {"rows": "x"}, 5, {"rows": [], "source": ["x"]}])
def test_bulk_garbage_is_a_400(api_client_for, gm, body):
    assert api_client_for(gm).post(BULK, body, format="json").status_code == 400


def test_bulk_of_ten_thousand_rows_works_and_one_more_is_refused(api_client_for, gm):
    customers = CustomerFactory.create_batch(3)
    rows = [
        {"customer": customers[i % 3].pk, "purchased_at": "2025-05-01T10:00:00", "amount": i, "external_id": f"B{i}"}
        for i in range(purchase_io.API_MAX_ROWS)
    ]
    client = api_client_for(gm)
    response = client.post(BULK, {"source": "erp", "rows": rows}, format="json")
    assert response.json() == {"created": 10_000, "existing": 0, "rejected": 0, "errors": []}
    assert Purchase.objects.count() == 10_000
    too_many = client.post(BULK, {"rows": rows + rows[:1]}, format="json")
    assert too_many.status_code == 400
    assert "At most 10000 rows" in too_many.json()["rows"][0]
    again = client.post(BULK, {"source": "erp", "rows": rows}, format="json")
    assert again.json()["existing"] == 10_000


def test_bulk_idempotency_key_replays(api_client_for, gm):
    CustomerFactory(external_ref="C-1")
    client = api_client_for(gm)
    body = {"rows": [{"customer_ref": "C-1", "purchased_at": "2025-01-01", "amount": 10}]}
    first = client.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    second = client.post(BULK, body, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert first.json()["created"] == 1
    assert second.json() == first.json()  # replayed: not "existing": 1
    assert second.headers["Idempotent-Replayed"] == "true"
    other = client.post(BULK, {"rows": []}, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert other.status_code == 422


def test_bulk_errors_quoting_a_nul_character_are_answered_and_replayed(api_client_for, gm, rep):
    # PostgreSQL's JSON cannot store NUL: the idempotency record keeps U+FFFD in its place.
    customer = CustomerFactory(owner=rep)
    client = api_client_for(gm)
    body = [{"customer": customer.pk, "purchased_at": "\u0000", "amount": "1"}]
    first = client.post("/api/v1/purchases/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul-1")
    again = client.post("/api/v1/purchases/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["rejected"] == again.json()["rejected"] == 1
    assert again["Idempotent-Replayed"] == "true"
    assert "\u0000" not in again.json()["errors"][0]["message"]
    assert not Purchase.objects.exists()
