"""The main navigation per role: the dashboards have their own entry, only for who may see them."""

from crm_project.navigation import nav_for
from crm_project.roles import Role


def entries(role, view_name=""):
    return {item.url_name: active for item, active in nav_for(role, view_name)}


def test_gm_and_admin_get_the_dashboards_in_the_main_navigation_rm_and_rep_do_not():
    for role in (Role.GENERAL_MANAGER, Role.ADMIN):
        assert "relationships:profitability" in entries(role)
        assert "relationships:scorecards" not in entries(role)
    assert "relationships:profitability" not in entries(Role.RELATIONSHIP_MANAGER)
    assert "relationships:scorecards" not in entries(Role.RELATIONSHIP_MANAGER)  # a programme tab instead
    rep = entries(Role.SALES_REP)
    assert "relationships:profitability" not in rep and "relationships:scorecards" not in rep


def test_a_dashboard_page_marks_dashboards_current_not_key_accounts():
    on_scorecard = entries(Role.GENERAL_MANAGER, "relationships:scorecard_rm")
    assert on_scorecard["relationships:profitability"] is True
    assert on_scorecard["relationships:key_account_list"] is False
    on_evaluation = entries(Role.GENERAL_MANAGER, "relationships:evaluation_detail")
    assert on_evaluation["relationships:key_account_list"] is True
    assert on_evaluation["relationships:profitability"] is False


def test_an_rms_scorecard_is_under_key_accounts_the_programme_entry_they_have():
    on_scorecard = entries(Role.RELATIONSHIP_MANAGER, "relationships:scorecard_rm")
    assert [url for url, active in on_scorecard.items() if active] == ["relationships:key_account_list"]
    on_insights = entries(Role.RELATIONSHIP_MANAGER, "insights:segment_overview")
    assert [url for url, active in on_insights.items() if active] == ["insights:segment_overview"]
    assert not any(entries(Role.RELATIONSHIP_MANAGER, "login").values())
    assert not any(entries(Role.RELATIONSHIP_MANAGER).values())
