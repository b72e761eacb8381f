import pytest

from apps.accounts.models import Account, Contact
from apps.accounts.services import account_update
from apps.core.exceptions import ApplicationError
from apps.imports import services
from apps.pipeline.models import Opportunity, StageChange
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, PipelineStageFactory

pytestmark = pytest.mark.django_db


def _rows(model) -> list[dict]:
    return [
        {field.attname: getattr(record, field.attname) for field in model._meta.concrete_fields}
        for record in model.objects.order_by("pk")
    ]


def test_undo_restores_exactly_the_previous_state(run_import, importer):
    AccountFactory(domain="acme.com", industry="Retail", fit_score=40, annual_revenue="1200.50")
    AccountFactory(domain="globex.io")
    before = _rows(Account)

    run = run_import(
        "accounts",
        "name,domain,industry,fit_score,annual_revenue\n"
        "Acme,acme.com,Energy,55,99.99\n"
        "New,new.example,Energy,10,\n",
    )
    assert (run.updates, run.creates) == (1, 1)

    undone = services.import_undo(run=run, user=importer)

    assert _rows(Account) == before
    assert (undone.status, undone.undone_by) == ("undone", importer)


def test_undo_of_contacts_restores_persona_role_and_account(run_import, importer):
    acme = AccountFactory(domain="acme.com")
    other = AccountFactory(domain="other.example")
    ContactFactory(account=acme, email="ana@acme.com", title="Analyst", buying_role="champion")
    before = _rows(Contact)

    run = run_import(
        "contacts",
        "email,first_name,last_name,title,account_domain,buying_role\n"
        "ana@acme.com,Ana,New,CFO,other.example,economic buyer\n"
        "bo@acme.com,Bo,Berg,,,\n",
    )
    assert Contact.objects.get(email="ana@acme.com").account == other

    services.import_undo(run=run, user=importer)

    assert _rows(Contact) == before


def test_undo_of_a_stage_move_reopens_the_stay_it_closed(run_import, importer):
    discovery = PipelineStageFactory(name="Discovery")
    PipelineStageFactory(name="Proposal")
    deal = OpportunityFactory(name="Deal", stage=discovery, account=AccountFactory(domain="a.io"))
    before, history = _rows(Opportunity), _rows(StageChange)

    run = run_import(
        "opportunities",
        "name,account_domain,stage,amount\nDeal,a.io,Proposal,10\nOther,a.io,Discovery,5\n",
    )
    assert (run.updates, run.creates) == (1, 1)
    assert deal.stage_changes.count() == 2

    services.import_undo(run=run, user=importer)

    assert (_rows(Opportunity), _rows(StageChange)) == (before, history)


def test_undo_refuses_when_a_record_was_edited_since_and_names_it(run_import, importer):
    AccountFactory(name="Acme", domain="acme.com")
    run = run_import("accounts", "name,domain,industry\nAcme,acme.com,Energy\nNew,new.io,\n")
    account_update(account=Account.objects.get(domain="new.io"), data={"industry": "Retail"})

    with pytest.raises(ApplicationError) as refused:
        services.import_undo(run=run, user=importer)

    assert "would lose those changes" in refused.value.message
    [blocker] = refused.value.fields["records"]
    assert blocker.startswith("New (changed ")
    assert Account.objects.get(domain="acme.com").industry == "Energy"
    run.refresh_from_db()
    assert run.status == "committed"


def test_undo_refuses_when_a_created_account_has_gained_contacts(run_import, importer):
    run = run_import("accounts", "name,domain\nNew,new.io\n")
    ContactFactory(account=Account.objects.get(domain="new.io"))

    with pytest.raises(ApplicationError) as refused:
        services.import_undo(run=run, user=importer)

    assert refused.value.fields["records"] == ["New (has contacts or deals added since)"]


def test_only_a_committed_run_can_be_undone(run_import, importer):
    run = run_import("accounts", "name,domain\nNew,new.io\n", commit=False)
    with pytest.raises(ApplicationError, match="must be committed first"):
        services.import_undo(run=run, user=importer)
