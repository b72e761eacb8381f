from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.models import Account
from apps.accounts.services import accounts_fit_use_learned, learned_fit_summary
from apps.core.exceptions import ApplicationError
from apps.core.views import allowed
from apps.fit import selectors, services


@allowed("fit.view_fitmodel")
def fit_model_list(request: HttpRequest) -> HttpResponse:
    models = list(selectors.fit_model_list())
    version = request.GET.get("version")
    shown = selectors.fit_model_shown(models=models, version=version)
    if version and shown is None:
        raise Http404("No such fit model version.")
    points = (
        selectors.fit_model_points(model=shown, names=selectors.persona_names()) if shown else []
    )
    context = {
        "models": models,
        "shown": shown,
        "points": points,
        "training": any(m.status == m.Status.TRAINING for m in models),
        "set_by_hand": selectors.accounts_set_by_hand(),
        "closed": selectors.closed_account_counts(),
        "minimum": services.MIN_CLOSED_ACCOUNTS,
    }
    return render(request, "fit/model_list.html", context)


@require_POST
@allowed("fit.add_fitmodel")
def fit_model_train(request: HttpRequest) -> HttpResponse:
    try:
        model = services.fit_training_request(by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Training fit model v{model.version}: it takes a moment.")
    return redirect("fit:list")


@require_POST
@allowed("fit.add_fitmodel")
def fit_use_learned(request: HttpRequest) -> HttpResponse:
    """Let the learned fit take over from hand-set fits: one account's, or every account's."""
    accounts = Account.objects.filter(fit_source=Account.FitSource.MANUAL)
    if account_id := request.POST.get("account"):
        account = get_object_or_404(Account, pk=account_id)
        accounts = accounts.filter(pk=account.pk)
    count = accounts_fit_use_learned(accounts=accounts)
    if count:
        messages.success(request, learned_fit_summary(count))
    else:
        messages.info(request, "No hand-set fit with a learned fit to go back to.")
    if account_id:
        return redirect("web:account_detail", account_id=account.pk)
    return redirect("fit:list")
