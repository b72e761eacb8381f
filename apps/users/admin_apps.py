from django.contrib.admin.apps import AdminConfig


class WaymarkAdminConfig(AdminConfig):
    """Django admin on our site class, which can ask for a second factor (admin_site.py)."""

    default_site = "apps.users.admin_site.WaymarkAdminSite"
