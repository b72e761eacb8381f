import pytest
from django.core.exceptions import ValidationError

from apps.personas.models import TitleRule
from apps.personas.selectors import title_rule_matcher
from tests.factories import PersonaFactory, TitleRuleFactory

pytestmark = pytest.mark.django_db


def test_the_first_rule_in_order_that_matches_whole_words_wins():
    cfo, it = PersonaFactory(name="CFO"), PersonaFactory(name="IT")
    TitleRuleFactory(
        pattern="VP|Vice President", persona=None, buying_role="influencer", position=2
    )
    TitleRuleFactory(
        pattern="CFO|VP Finance", persona=cfo, buying_role="economic_buyer", position=1
    )
    TitleRuleFactory(pattern="CTO", persona=it, buying_role="technical_evaluator", position=3)
    match = title_rule_matcher()

    assert match("vp finance, EMEA") == (cfo.pk, "economic_buyer", "")
    assert match("VP Sales") == (None, "influencer", "")
    assert match("Director of Sales") == (None, "", "")  # "cto" inside a word does not count


@pytest.mark.parametrize(
    ("pattern", "persona", "role", "message"),
    [
        ("CFO|(", True, "economic_buyer", "Not a valid pattern"),
        ("CFO", False, "", "A rule sets a persona, a buying role, a seniority or several."),
    ],
)
def test_a_rule_is_checked(pattern, persona, role, message):
    rule = TitleRule(
        pattern=pattern, persona=PersonaFactory() if persona else None, buying_role=role
    )
    with pytest.raises(ValidationError, match=message):
        rule.full_clean()
