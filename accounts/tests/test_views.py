import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountTeamMember, ContactPerson, Customer, HouseholdMember, Interest
from accounts.tests.factories import (
    AccountTeamMemberFactory,
    CompetitorIntelFactory,
    ContactPersonFactory,
    CustomerFactory,
    FeedbackFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    InterestFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, *args):
    return reverse(f"accounts:{name}", args=args)


def test_rep_lists_only_their_own_and_team_customers(rep_client, rep, rep2):
    mine = CustomerFactory(owner=rep, name="PT Milik Saya")
    shared = CustomerFactory(owner=rep2, name="PT Bersama")
    AccountTeamMemberFactory(customer=shared, user=rep)
    CustomerFactory(owner=rep2, name="PT Orang Lain")
    response = rep_client.get(_url("customer_list"))
    assert [c.name for c in response.context["page"].object_list] == [shared.name, mine.name]
    assert response.context["page"].paginator.count == 2
    assert "PT Orang Lain" not in response.content.decode()


def test_search_finds_a_customer_by_a_contacts_phone_number(rep_client, rep):
    target = CustomerFactory(owner=rep, name="PT Cari Aku")
    ContactPersonFactory(customer=target, phone="+62 811 2233 4455")
    CustomerFactory(owner=rep, name="PT Lain")
    response = rep_client.get(_url("customer_list"), {"q": "2233 4455"})
    assert [c.name for c in response.context["page"].object_list] == ["PT Cari Aku"]


def test_filters_and_sorting(gm_client, rep, rep2):
    CustomerFactory(owner=rep, name="A Surabaya", city="Surabaya", industry="Retail")
    CustomerFactory(owner=rep2, name="B Surabaya", city="Surabaya", industry="Logistics")
    CustomerFactory(owner=rep2, name="C Medan", city="Medan", industry="Retail")
    response = gm_client.get(_url("customer_list"), {"city": "Surabaya", "sort": "-name"})
    assert [c.name for c in response.context["page"].object_list] == ["B Surabaya", "A Surabaya"]
    response = gm_client.get(_url("customer_list"), {"owner": rep2.pk, "industry": "Retail"})
    assert [c.name for c in response.context["page"].object_list] == ["C Medan"]


def test_htmx_search_returns_only_the_results_fragment(rep_client, rep):
    CustomerFactory(owner=rep, name="PT Fragmen")
    response = rep_client.get(_url("customer_list"), {"q": "Fragmen"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "PT Fragmen" in html and "<nav" not in html.split('<div id="results"')[0]


@pytest.mark.parametrize("rows", [3, 30])
def test_customer_list_query_budget(rep_client, rep, rows, django_assert_num_queries):
    for customer in CustomerFactory.create_batch(rows, owner=rep):
        ContactPersonFactory(customer=customer)
    # session, user, role, industries, cities, count, page (+owner), owners for the filter
    with django_assert_num_queries(8):
        response = rep_client.get(_url("customer_list"), {"q": "PT"})
    assert response.status_code == 200


def test_other_teams_customer_is_a_404_on_every_page(rep2_client, rep):
    customer = CustomerFactory(owner=rep)
    contact = ContactPersonFactory(customer=customer)
    for url in (
        _url("customer_detail", customer.pk),
        _url("customer_edit", customer.pk),
        _url("customer_history", customer.pk),
        _url("customer_archive", customer.pk),
        _url("section_add", customer.pk, "contacts"),
        _url("section_edit", customer.pk, "contacts", contact.pk),
        _url("section_delete", customer.pk, "contacts", contact.pk),
        _url("team_add", customer.pk),
    ):
        assert rep2_client.get(url).status_code == 404, url
    assert rep2_client.post(_url("section_delete", customer.pk, "contacts", contact.pk)).status_code == 404
    assert ContactPerson.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("client_name", ["gm_client", "admin_client"])
def test_managers_see_every_customer(request, rep, client_name):
    customer = CustomerFactory(owner=rep)
    assert request.getfixturevalue(client_name).get(_url("customer_detail", customer.pk)).status_code == 200


def test_read_only_team_member_sees_but_cannot_change(rm_client, rm, rep):
    customer = CustomerFactory(owner=rep)
    AccountTeamMemberFactory(customer=customer, user=rm, can_edit=False)
    page = rm_client.get(_url("customer_detail", customer.pk))
    assert page.status_code == 200
    assert _url("customer_edit", customer.pk) not in page.content.decode()
    assert rm_client.get(_url("customer_edit", customer.pk)).status_code == 403
    assert rm_client.post(_url("section_add", customer.pk, "contacts"), {"name": "X"}).status_code == 403


def test_customer_detail_shows_everything_known(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="PT Lengkap")
    contact = ContactPersonFactory(customer=customer, name="Budi Hartono", job_title="Direktur")
    household = HouseholdFactory(customer=customer, name="Keluarga Hartono")
    HouseholdMemberFactory(household=household, name="Sari", relative_of=contact)
    InterestFactory(customer=customer, topic__name="Golf", sentiment="like")
    InterestFactory(customer=customer, topic__name="Early calls", sentiment="dislike")
    FeedbackFactory(customer=customer, would_buy="Cold-chain trucks")
    CompetitorIntelFactory(customer=customer, competitor_brand="Brand X", estimated_annual_spend=250_000_000)
    CompetitorIntelFactory(customer=customer, competitor_brand="Brand Y", estimated_annual_spend=50_000_000)
    html = rep_client.get(_url("customer_detail", customer.pk)).content.decode()
    for text in ("Budi Hartono", "Keluarga Hartono", "Sari", "Golf", "Early calls", "Cold-chain trucks", "Brand Y"):
        assert text in html
    assert "IDR 300,000,000" in html


def test_customer_detail_query_budget(rep_client, rep, django_assert_num_queries):
    customer = CustomerFactory(owner=rep)
    for n in range(3):
        contact = ContactPersonFactory(customer=customer)
        HouseholdMemberFactory(household=HouseholdFactory(customer=customer), relative_of=contact)
        InterestFactory(customer=customer, contact=contact)
        FeedbackFactory(customer=customer, contact=contact)
        CompetitorIntelFactory(customer=customer)
        AccountTeamMemberFactory(customer=customer, user__username=f"team{n}")
    # session, user, role, customer (+owner), contacts, households, members, interests,
    # feedback, competitor intel, team
    with django_assert_num_queries(11):
        assert rep_client.get(_url("customer_detail", customer.pk)).status_code == 200


def test_rep_creates_a_customer_they_own(rep_client, rep):
    response = rep_client.post(
        _url("customer_create"),
        {"name": "PT Baru Sekali", "kind": "company", "email": "halo@baru.id", "country": "Indonesia"},
    )
    customer = Customer.objects.get(name="PT Baru Sekali")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert customer.owner == rep


def test_duplicate_email_is_refused_with_a_link_to_the_existing_customer(rep_client, rep):
    existing = CustomerFactory(owner=rep, email="sama@email.id", name="PT Pertama")
    response = rep_client.post(
        _url("customer_create"), {"name": "PT Kedua", "kind": "company", "email": "sama@email.id"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"A customer with this email already exists: PT Pertama (#{existing.pk})." in html
    assert f'href="{existing.get_absolute_url()}"' in html
    assert Customer.objects.count() == 1


def test_similar_name_warns_then_saves_when_confirmed(rep_client, rep):
    CustomerFactory(owner=rep, name="PT Sumber Makmur Abadi")
    data = {"name": "CV Sumber Makmur", "kind": "company"}
    warned = rep_client.post(_url("customer_create"), data)
    assert "PT Sumber Makmur Abadi" in warned.content.decode()
    assert not Customer.objects.filter(name="CV Sumber Makmur").exists()
    confirmed = rep_client.post(_url("customer_create"), {**data, "confirm_similar": "on"})
    assert confirmed.status_code == 302
    assert Customer.objects.filter(name="CV Sumber Makmur").exists()


def test_edit_form_errors_are_field_level(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(_url("customer_edit", customer.pk), {"name": "", "kind": "planet", "email": "nope"})
    form = response.context["form"]
    assert set(form.errors) == {"name", "kind", "email"}


def test_htmx_add_contact_returns_the_refreshed_section(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        _url("section_add", customer.pk, "contacts"),
        {"name": "Dewi Lestari", "decision_role": "influencer", "phone": "0812 1111 2222", "is_active": "on"},
        **HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="contacts"')
    assert "Dewi Lestari" in html
    assert customer.contacts.get().decision_role == ContactPerson.DecisionRole.INFLUENCER


def test_invalid_inline_form_is_shown_again_in_its_slot(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(_url("section_add", customer.pk, "contacts"), {"name": "", "email": "x"}, **HTMX)
    assert response["HX-Retarget"] == "#contacts-form-slot"
    assert "This field is required." in response.content.decode()
    assert not customer.contacts.exists()


def test_add_family_member_starts_a_household(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    contact = ContactPersonFactory(customer=customer, name="Agus")
    response = rep_client.post(
        _url("section_add", customer.pk, "members"),
        {
            "new_household": "Keluarga Agus",
            "name": "Rina",
            "relation": "spouse",
            "relative_of": contact.pk,
            "birthday": "1985-04-12",
        },
        **HTMX,
    )
    assert "Keluarga Agus" in response.content.decode()
    member = HouseholdMember.objects.get()
    assert (member.household.name, member.relative_of, member.birthday) == (
        "Keluarga Agus",
        contact,
        datetime.date(1985, 4, 12),
    )


def test_family_member_birthday_in_the_future_is_refused(rep_client, rep):
    household = HouseholdFactory(customer=CustomerFactory(owner=rep))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = rep_client.post(
        _url("section_add", household.customer.pk, "members"),
        {"household": household.pk, "name": "Bayi", "relation": "child", "birthday": tomorrow.isoformat()},
    )
    assert response.context["form"].errors["birthday"] == ["The birthday cannot be in the future."]


def test_likes_and_dislikes_inline(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    for topic, sentiment in (("Golf", "like"), ("Kopi", "like"), ("Early calls", "dislike")):
        rep_client.post(_url("section_add", customer.pk, "interests"), {"topic": topic, "sentiment": sentiment}, **HTMX)
    assert sorted(customer.interests.values_list("topic__name", "sentiment")) == [
        ("Early calls", "dislike"),
        ("Golf", "like"),
        ("Kopi", "like"),
    ]


def test_edit_and_remove_inline(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    interest = InterestFactory(customer=customer, topic__name="Golf")
    rep_client.post(
        _url("section_edit", customer.pk, "interests", interest.pk), {"topic": "Badminton", "sentiment": "like"}, **HTMX
    )
    assert Interest.objects.get(pk=interest.pk).topic.name == "Badminton"
    response = rep_client.post(_url("section_delete", customer.pk, "interests", interest.pk), **HTMX)
    assert response.status_code == 200
    assert not Interest.objects.filter(pk=interest.pk).exists()


def test_without_javascript_forms_are_pages_that_redirect_back(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    page = rep_client.get(_url("section_add", customer.pk, "competitors"))
    assert page.status_code == 200 and "Add competitor intelligence" in page.content.decode()
    response = rep_client.post(
        _url("section_add", customer.pk, "competitors"),
        {
            "competitor_brand": "Brand Z",
            "product_category": "Pallets",
            "estimated_annual_spend": "1250000",
            "reason_not_us": "Cheaper",
            "last_confirmed_on": "2026-10-01",
        },
    )
    assert response["Location"] == customer.get_absolute_url() + "#competitors"


def test_negative_competitor_spend_is_a_field_error(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        _url("section_add", customer.pk, "competitors"),
        {
            "competitor_brand": "Brand Z",
            "product_category": "Pallets",
            "estimated_annual_spend": "-5",
            "last_confirmed_on": "2026-10-01",
        },
    )
    assert "estimated_annual_spend" in response.context["form"].errors


def test_owner_manages_the_account_team(rep_client, rep, rm):
    customer = CustomerFactory(owner=rep)
    rep_client.post(_url("team_add", customer.pk), {"user": rm.pk, "role": "Relationship manager", "can_edit": "on"})
    member = AccountTeamMember.objects.get(customer=customer)
    assert (member.user, member.can_edit) == (rm, True)
    rep_client.post(_url("team_remove", customer.pk, member.pk))
    assert not AccountTeamMember.objects.filter(customer=customer).exists()


def test_team_member_cannot_manage_the_team(rm_client, rm, rep):
    customer = CustomerFactory(owner=rep)
    AccountTeamMemberFactory(customer=customer, user=rm, can_edit=True)
    assert rm_client.get(_url("team_add", customer.pk)).status_code == 403


def test_archive_and_restore(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="PT Arsip")
    rep_client.post(_url("customer_archive", customer.pk))
    assert list(rep_client.get(_url("customer_list")).context["page"].object_list) == []
    archived = rep_client.get(_url("customer_list"), {"archived": "on"}).context["page"].object_list
    assert [c.name for c in archived] == ["PT Arsip"]
    rep_client.post(_url("customer_restore", customer.pk))
    assert Customer.objects.get(pk=customer.pk).archived_at is None


def test_history_shows_who_changed_what_with_old_and_new_values(rep_client, rep):
    rep_client.post(_url("customer_create"), {"name": "PT Sejarah", "kind": "company", "city": "Bandung"})
    customer = Customer.objects.get(name="PT Sejarah")
    rep_client.post(_url("customer_edit", customer.pk), {"name": "PT Sejarah", "kind": "company", "city": "Bogor"})
    rep_client.post(_url("section_add", customer.pk, "interests"), {"topic": "Golf", "sentiment": "like"})
    response = rep_client.get(_url("customer_history", customer.pk))
    changes = list(response.context["page"].object_list)
    assert [(c.what, c.action) for c in changes] == [
        ("interest", "created"),
        ("customer", "changed"),
        ("customer", "created"),
    ]
    assert [(f.label, f.old, f.new) for f in changes[1].fields] == [("city", "Bandung", "Bogor")]
    assert changes[1].who == rep


def test_upcoming_birthdays_cover_only_visible_customers(rep_client, rep, rep2):
    today = timezone.localdate()
    soon = (today + datetime.timedelta(days=5)).replace(year=1980)
    mine = ContactPersonFactory(customer=CustomerFactory(owner=rep), name="Ulang Tahun", birthday=soon)
    ContactPersonFactory(customer=CustomerFactory(owner=rep2), name="Bukan Milikku", birthday=soon)
    HouseholdMemberFactory(
        household=HouseholdFactory(customer=mine.customer), name="Anak Kecil", birthday=soon.replace(year=2015)
    )
    response = rep_client.get(_url("birthday_list"))
    assert sorted(b.name for b in response.context["birthdays"]) == ["Anak Kecil", "Ulang Tahun"]
    assert {b.days_away for b in response.context["birthdays"]} == {5}
