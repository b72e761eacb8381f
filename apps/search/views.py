from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.search.selectors import MIN_QUERY_LENGTH, global_search


@login_required
def results(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    groups = global_search(user=request.user, query=query)
    return render(
        request,
        "search/results.html",
        {
            "search_query": query,
            "groups": groups,
            "total": sum(group.count for group in groups),
            "more": any(group.more for group in groups),
            "min_length": MIN_QUERY_LENGTH,
        },
    )
