"""Signal pages: a contact's score, stage and evidence; the hot accounts; the signal-rule editor
with its preview; and the handoffs sales accept or reject.

Views read through the selectors and write through the services.
"""

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.listing import list_page
from apps.core.views import allowed, delete_confirmation
from apps.engagement import selectors, services
from apps.engagement.filters import (
    HandoffFilter,
    HotAccountFilter,
    RuleSetFilter,
    SignalRuleFilter,
)
from apps.engagement.forms import (
    BacktestForm,
    CalibrationForm,
    HandoffBulkDecisionForm,
    HandoffDecisionForm,
    HandoffReassignForm,
    RuleSetDeclineForm,
    SignalRuleForm,
)
from apps.engagement.models import Backtest, Calibration, Handoff, RuleSet, SignalRule

CONTACT_PAGE = ("accounts.view_contact", "engagement.view_contactscore", "engagement.view_event")
HOT_ACCOUNTS = ("accounts.view_account", "engagement.view_accountscore")
READ_RULES = ("engagement.view_signalrule",)
HANDOFFS = ("engagement.view_handoff",)
BACKTESTS = ("engagement.view_backtest",)
BACKTESTS_SHOWN = 20
RULE_SETS = ("engagement.view_ruleset",)
CALIBRATIONS = ("engagement.view_calibration",)
CALIBRATIONS_SHOWN = 20


def _found(read: Callable, **ids):
    try:
        return read(**ids)
    except ObjectDoesNotExist as error:
        raise Http404("No such record.") from error


@allowed(*CONTACT_PAGE)
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    signals = _found(selectors.contact_signals, contact_id=contact_id)
    return render(request, "engagement/contact_detail.html", {"signals": signals})


HOT_ACCOUNT_SORTS = {
    "account": "account__name",
    "tier": "account__tier",
    "owner": ("account__owner__first_name", "account__owner__last_name"),
    "stage": ("stage__phase", "stage__position"),
    "score": "score",
    "trend": "rise",
}


@allowed(*HOT_ACCOUNTS)
def hot_accounts(request: HttpRequest) -> HttpResponse:
    states = selectors.hot_account_list()
    if csv_requested(request):
        return csv_download(
            filename="hot-accounts",
            header=selectors.HOT_ACCOUNT_CSV_COLUMNS,
            rows=selectors.hot_account_export_rows(states=states),
        )
    listing = list_page(request, states, sorts=HOT_ACCOUNT_SORTS, filterset=HotAccountFilter)
    pending = selectors.handoff_list(status=Handoff.Status.PENDING).count()
    context = {
        "listing": listing,
        "page_obj": listing.page_obj,
        "days": selectors.HOT_DAYS,
        "pending_handoffs": pending,
    }
    return render(request, "engagement/hot_accounts.html", context)


# -- signal rules -----------------------------------------------------------------------------


RULE_SORTS = {
    "signal": "kind",
    "url": "url_pattern",
    "property": ("property_name", "property_value"),
    "repeat": ("repeat_count", "repeat_window_days"),
    "stage": ("journey_stage__phase", "journey_stage__position"),
    "weight": "weight",
    "half_life": "half_life_days",
    "cap": "cap",
    "active": "is_active",
}


@allowed(*READ_RULES)
def rule_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request, selectors.signal_rule_list(), sorts=RULE_SORTS, filterset=SignalRuleFilter
    )
    return render(
        request, "engagement/rule_list.html", {"listing": listing, "page_obj": listing.page_obj}
    )


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
    # "Compare with" comes preselected from a rule set's page (`?compare_with=<version>`).
    compare_with = RuleSet.objects.filter(version=request.GET.get("compare_with") or 0).first()
    form = BacktestForm(
        request.POST or None, initial={"as_of": a_quarter_ago, "compare_with": compare_with}
    )
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


# -- rule set versions ------------------------------------------------------------------------


RULE_SET_SORTS = {
    "version": "version",
    "status": "status",
    "origin": "origin",
    "decided_by": ("decided_by__first_name", "decided_by__last_name"),
    "when": "created_at",
}


@allowed(*RULE_SETS)
def rule_set_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request, selectors.rule_set_list(), sorts=RULE_SET_SORTS, filterset=RuleSetFilter
    )
    return render(
        request,
        "engagement/rule_set_list.html",
        {"listing": listing, "page_obj": listing.page_obj},
    )


def _rule_set(version: int) -> RuleSet:
    return _found(
        RuleSet.objects.select_related("based_on", "proposed_by", "decided_by").get, version=version
    )


@allowed(*RULE_SETS)
def rule_set_detail(request: HttpRequest, version: int) -> HttpResponse:
    """A version and what changed from the one it was made from (`?against=N`: from version
    N); a proposal's Approve and Decline, and its backtest."""
    rule_set = _rule_set(version)
    against = request.GET.get("against", "")
    other = _rule_set(int(against)) if against.isdigit() else None
    context = {
        "rule_set": rule_set,
        "diff": selectors.rule_set_diff(rule_set=rule_set, against=other),
        "decline_form": RuleSetDeclineForm(),
        "figures": selectors.calibration_figures(metrics=rule_set.evidence.get("metrics") or {}),
        "RuleSet": RuleSet,
    }
    return render(request, "engagement/rule_set_detail.html", context)


@require_http_methods(["GET", "POST"])
@allowed("engagement.change_ruleset")
def rule_set_approve(request: HttpRequest, version: int) -> HttpResponse:
    """Approving changes every score: the page says what changes first, the POST approves."""
    rule_set = _rule_set(version)
    if request.method == "POST":
        try:
            services.rule_set_approve(rule_set=rule_set, user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Version {version} is live; every buyer is being rescored with it."
            )
        return redirect("signals:rule_set_detail", version=version)
    diff = selectors.rule_set_diff(rule_set=rule_set)
    return render(request, "engagement/rule_set_approve.html", {"rule_set": rule_set, "diff": diff})


@require_POST
@allowed("engagement.change_ruleset")
def rule_set_decline(request: HttpRequest, version: int) -> HttpResponse:
    rule_set = _rule_set(version)
    form = RuleSetDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the proposal is declined.")
    else:
        try:
            services.rule_set_decline(
                rule_set=rule_set, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Version {version} declined; the rules stay as they are.")
    return redirect("signals:rule_set_detail", version=version)


@require_POST
@allowed("engagement.add_backtest")
def rule_set_backtest(request: HttpRequest, version: int) -> HttpResponse:
    """Backtest a version beside the current rules, over its calibration's history (or the
    last quarter)."""
    rule_set = _rule_set(version)
    try:
        run = services.backtest_start(
            **selectors.rule_set_backtest_replay(rule_set=rule_set),
            compare_with=rule_set,
            user=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("signals:rule_set_detail", version=version)
    return redirect("signals:backtest_detail", backtest_id=run.pk)


@allowed(*CALIBRATIONS)
def calibrate(request: HttpRequest) -> HttpResponse:
    """The form that starts a calibration (marketers and admins), and the past runs."""
    today = timezone.localdate()
    horizon = CalibrationForm.base_fields["horizon_days"].initial
    initial = {
        "start": today - timedelta(days=365 + horizon),
        "end": today - timedelta(days=horizon),
    }
    form = CalibrationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not request.user.has_perm("engagement.add_calibration"):
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.calibration_start(**form.cleaned_data, user=request.user)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("signals:calibration_detail", calibration_id=run.pk)
    runs = selectors.calibration_list().defer("results")[:CALIBRATIONS_SHOWN]
    return render(request, "engagement/calibrate.html", {"form": form, "runs": runs})


@allowed(*CALIBRATIONS)
def calibration_detail(request: HttpRequest, calibration_id: int) -> HttpResponse:
    """A calibration run; while it runs, htmx polls the body (`HX-Request`)."""
    run = _found(selectors.calibration_list().get, pk=calibration_id)
    template = "engagement/partials/calibration_body.html" if request.htmx else None
    figures = selectors.calibration_figures(metrics=run.results)
    context = {"run": run, "figures": figures, "Calibration": Calibration}
    return render(request, template or "engagement/calibration_detail.html", context)


# -- handoffs ---------------------------------------------------------------------------------


HANDOFF_SORTS = {
    "raised": "raised_at",
    "kind": "kind",
    "who": ("account__name", "contact__last_name", "contact__first_name"),
    "stage": ("stage__phase", "stage__position"),
    "score": "score",
    "owner": ("owner__first_name", "owner__last_name", "owner__username"),
    "decision": ("status", "decided_at"),
}


@allowed(*HANDOFFS)
def handoff_list(request: HttpRequest) -> HttpResponse:
    """Handoffs by status, in a queue: a rep's own by default, the marketing-ops queue (no
    owner), or all; with the decisions, bulk decisions and reassignment the user may make."""
    status = request.GET.get("status", Handoff.Status.PENDING)
    if status not in Handoff.Status.values:
        status = Handoff.Status.PENDING
    queues = selectors.handoff_queues(user=request.user)
    queue = request.GET.get("queue") or selectors.handoff_default_queue(user=request.user)
    if queue not in dict(queues):
        queue = selectors.handoff_default_queue(user=request.user)
    handoffs = selectors.handoff_list(status=status, queue=queue, user=request.user)
    if csv_requested(request):
        return csv_download(
            filename=f"handoffs-{status}",
            header=selectors.HANDOFF_CSV_COLUMNS,
            rows=selectors.handoff_export_rows(handoffs=HandoffFilter(request.GET, handoffs).qs),
        )
    listing = list_page(request, handoffs, sorts=HANDOFF_SORTS, filterset=HandoffFilter)
    page = listing.page_obj
    for handoff in page:
        handoff.decidable = selectors.handoff_decidable_by(handoff=handoff, user=request.user)
    reassign_form = None
    if selectors.handoff_reassignable_by(user=request.user):
        reassign_form = HandoffReassignForm(auto_id=False)
        # Every row repeats the select: read its options once.
        reassign_form.fields["owner"].choices = list(reassign_form.fields["owner"].choices)
    context = {
        "listing": listing,
        "page_obj": page,
        "status": status,
        "statuses": Handoff.Status.choices,
        "queue": queue,
        "queues": queues,
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
