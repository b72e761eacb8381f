"""Signal pages: a contact's score, stage and evidence; the hot accounts; the signal-rule editor
with its preview; and the handoffs sales accept or reject.

Views read through the selectors and write through the services.
"""

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.views import allowed, delete_confirmation
from apps.engagement import selectors, services
from apps.engagement.forms import (
    BacktestForm,
    HandoffBulkDecisionForm,
    HandoffDecisionForm,
    HandoffReassignForm,
    SignalRuleForm,
)
from apps.engagement.models import Backtest, Handoff, SignalRule

PAGE_SIZE = 50
CONTACT_PAGE = ("accounts.view_contact", "engagement.view_contactscore", "engagement.view_event")
HOT_ACCOUNTS = ("accounts.view_account", "engagement.view_accountscore")
READ_RULES = ("engagement.view_signalrule",)
HANDOFFS = ("engagement.view_handoff",)
BACKTESTS = ("engagement.view_backtest",)
BACKTESTS_SHOWN = 20


def _found(read: Callable, **ids):
    try:
        return read(**ids)
    except ObjectDoesNotExist as error:
        raise Http404("No such record.") from error


@allowed(*CONTACT_PAGE)
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    signals = _found(selectors.contact_signals, contact_id=contact_id)
    return render(request, "engagement/contact_detail.html", {"signals": signals})


@allowed(*HOT_ACCOUNTS)
def hot_accounts(request: HttpRequest) -> HttpResponse:
    states = selectors.hot_account_list()
    if csv_requested(request):
        return csv_download(
            filename="hot-accounts",
            header=selectors.HOT_ACCOUNT_CSV_COLUMNS,
            rows=selectors.hot_account_export_rows(states=states),
        )
    page = Paginator(states, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = selectors.handoff_list(status=Handoff.Status.PENDING).count()
    context = {"page_obj": page, "days": selectors.HOT_DAYS, "pending_handoffs": pending}
    return render(request, "engagement/hot_accounts.html", context)


# -- signal rules -----------------------------------------------------------------------------


@allowed(*READ_RULES)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = selectors.signal_rule_list()
    return render(request, "engagement/rule_list.html", {"rules": rules})


def _rule(rule_id: int) -> SignalRule:
    return _found(SignalRule.objects.select_related("journey_stage").get, pk=rule_id)


def _save_rule(request: HttpRequest, rule: SignalRule | None) -> HttpResponse:
    form = SignalRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                services.signal_rule_create(data=form.cleaned_data)
            else:
                stored = SignalRule.objects.get(pk=rule.pk)
                services.signal_rule_update(rule=stored, data=form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Signal rule saved; scores follow at the next recompute.")
            return redirect("signals:rule_list")
    return render(request, "engagement/rule_form.html", {"form": form, "rule": rule})


@allowed("engagement.add_signalrule")
def rule_create(request: HttpRequest) -> HttpResponse:
    return _save_rule(request, None)


@allowed("engagement.change_signalrule")
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _save_rule(request, _rule(rule_id))


@require_http_methods(["GET", "POST"])
@allowed("engagement.delete_signalrule")
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(rule_id)
    return delete_confirmation(
        request,
        instance=rule,
        delete=lambda: services.signal_rule_delete(rule=rule),
        back=reverse("signals:rule_edit", args=[rule.pk]),
        done=reverse("signals:rule_list"),
        success="Signal rule deleted.",
    )


@require_POST
@allowed("engagement.change_signalrule")
def rule_preview(request: HttpRequest) -> HttpResponse:
    """The editor's preview (an htmx fragment): how many contacts would change stage."""
    rule_id = request.POST.get("rule")
    rule = _rule(int(rule_id)) if rule_id and rule_id.isdigit() else None
    # The form applies the edit to this in-memory copy only; nothing is saved.
    form = SignalRuleForm(request.POST, instance=rule)
    shift = None
    if form.is_valid():
        remove = request.POST.get("remove") == "1"
        shift = selectors.signal_rule_preview(rule=form.instance, remove=remove)
    context = {"form": form, "shift": shift}
    return render(request, "engagement/partials/rule_preview.html", context)


# -- backtests --------------------------------------------------------------------------------


@allowed(*BACKTESTS)
def backtest_list(request: HttpRequest) -> HttpResponse:
    """Past backtests, and the form that starts one (marketers and admins)."""
    a_quarter_ago = timezone.localdate() - timedelta(
        days=BacktestForm.base_fields["horizon_days"].initial
    )
    form = BacktestForm(request.POST or None, initial={"as_of": a_quarter_ago})
    if request.method == "POST":
        if not request.user.has_perm("engagement.add_backtest"):
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.backtest_start(**form.cleaned_data, user=request.user)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("signals:backtest_detail", backtest_id=run.pk)
    runs = selectors.backtest_list().defer("results")[:BACKTESTS_SHOWN]
    return render(request, "engagement/backtest_list.html", {"form": form, "runs": runs})


@allowed(*BACKTESTS)
def backtest_detail(request: HttpRequest, backtest_id: int) -> HttpResponse:
    """Charts and numbers of one backtest; while it runs, htmx polls the body (`HX-Request`)."""
    run = _found(selectors.backtest_list().get, pk=backtest_id)
    if csv_requested(request):
        return csv_download(
            filename=f"backtest-{run.pk}",
            header=selectors.BACKTEST_CSV_COLUMNS,
            rows=selectors.backtest_rows(backtest=run),
        )
    template = "engagement/partials/backtest_body.html" if request.htmx else None
    context = {
        "run": run,
        "Backtest": Backtest,
        "sections": selectors.backtest_sections(backtest=run),
    }
    return render(request, template or "engagement/backtest_detail.html", context)


# -- handoffs ---------------------------------------------------------------------------------


@allowed(*HANDOFFS)
def handoff_list(request: HttpRequest) -> HttpResponse:
    """Handoffs by status, in a queue: a rep's own by default, the marketing-ops queue (no
    owner), or all; with the decisions, bulk decisions and reassignment the user may make."""
    status = request.GET.get("status", Handoff.Status.PENDING)
    if status not in Handoff.Status.values:
        status = Handoff.Status.PENDING
    queue = request.GET.get("queue") or selectors.handoff_default_queue(user=request.user)
    if queue not in dict(selectors.HandoffQueue.CHOICES):
        queue = selectors.HandoffQueue.ALL
    handoffs = selectors.handoff_list(status=status, queue=queue, user=request.user)
    if csv_requested(request):
        return csv_download(
            filename=f"handoffs-{status}",
            header=selectors.HANDOFF_CSV_COLUMNS,
            rows=selectors.handoff_export_rows(handoffs=handoffs),
        )
    page = Paginator(handoffs, PAGE_SIZE).get_page(request.GET.get("page"))
    for handoff in page:
        handoff.decidable = selectors.handoff_decidable_by(handoff=handoff, user=request.user)
    reassign_form = None
    if selectors.handoff_reassignable_by(user=request.user):
        reassign_form = HandoffReassignForm(auto_id=False)
        # Every row repeats the select: read its options once.
        reassign_form.fields["owner"].choices = list(reassign_form.fields["owner"].choices)
    context = {
        "page_obj": page,
        "status": status,
        "statuses": Handoff.Status.choices,
        "queue": queue,
        "queues": selectors.HandoffQueue.CHOICES,
        "reassign_form": reassign_form,
        "any_decidable": any(h.decidable and h.status == Handoff.Status.PENDING for h in page),
    }
    return render(request, "engagement/handoff_list.html", context)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the list as it was filtered (its query string travels in `next`)."""
    query = request.POST.get("next", "")
    return redirect(reverse("signals:handoff_list") + (f"?{query}" if query else ""))


def _refused_here(error: NotPermitted) -> PermissionDenied:
    return PermissionDenied(error.message)


@require_POST
@allowed("engagement.change_handoff")
def handoff_decide(request: HttpRequest, handoff_id: int) -> HttpResponse:
    handoff = _found(Handoff.objects.get, pk=handoff_id)
    form = HandoffDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to accept or reject.")
        return _back_to_list(request)
    try:
        services.handoff_decide(
            handoff=handoff,
            user=request.user,
            accept=form.cleaned_data["decision"] == Handoff.Status.ACCEPTED,
            reason=form.cleaned_data["reason"],
        )
    except NotPermitted as error:
        raise _refused_here(error) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{handoff.get_kind_display()} {form.cleaned_data['decision']}.")
    return _back_to_list(request)


@require_POST
@allowed("engagement.change_handoff")
def handoff_bulk_decide(request: HttpRequest) -> HttpResponse:
    """Accept or reject the ticked handoffs at once; each one the user may not decide is named
    with the reason it was left alone."""
    form = HandoffBulkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return _back_to_list(request)
    data = form.cleaned_data
    try:
        result = services.handoffs_decide(
            handoff_ids=data["handoff"],
            user=request.user,
            accept=data["decision"] == Handoff.Status.ACCEPTED,
            reason=data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back_to_list(request)
    if result.decided:
        n = len(result.decided)
        messages.success(request, f"{data['decision'].capitalize()} {n} handoff{pluralize(n)}.")
    labels = selectors.handoff_labels(handoff_ids=result.refused)
    for pk, why in sorted(result.refused.items()):
        messages.warning(request, f"Not decided: {labels.get(pk, f'handoff {pk}')}. {why}")
    return _back_to_list(request)


@require_POST
@allowed(*HANDOFFS)
def handoff_reassign(request: HttpRequest, handoff_id: int) -> HttpResponse:
    handoff = _found(Handoff.objects.get, pk=handoff_id)
    form = HandoffReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose someone in sales, or the marketing-ops queue.")
        return _back_to_list(request)
    owner = form.cleaned_data["owner"]
    try:
        services.handoff_reassign(handoff=handoff, owner=owner, by=request.user)
    except NotPermitted as error:
        raise _refused_here(error) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{handoff.get_kind_display()} handed to {owner}."
            if owner
            else f"{handoff.get_kind_display()} back in the marketing-ops queue.",
        )
    return _back_to_list(request)
