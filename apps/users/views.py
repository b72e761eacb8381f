"""Setting up the second factor: an authenticator app confirmed by its first code."""

import base64
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.qr import write_qrcode_image

from apps.core.exceptions import ApplicationError
from apps.users.services import totp_device_confirm, totp_device_start


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    if user_has_device(request.user):
        return render(request, "users/two_factor.html", {"confirmed": True})
    device = totp_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        try:
            device = totp_device_confirm(user=request.user, token=form.cleaned_data["token"])
        except ApplicationError as error:
            form.add_error("token", error.message)
        else:
            otp_login(request, device)  # this session has shown the second factor
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect(next_url or reverse("web:home"))
    qr = io.BytesIO()
    write_qrcode_image(device.config_url, qr)
    context = {
        "form": form,
        "next": next_url,
        "config_url": device.config_url,
        "secret": base64.b32encode(device.bin_key).decode(),
        # An <img> of the SVG: the page's policy allows data: images, and an image runs nothing.
        "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(qr.getvalue()).decode(),
    }
    return render(request, "users/two_factor.html", context)
