"""Installed in place of django.contrib.admin so that admin.site is a LinliAdminSite (kept in
its own module: INSTALLED_APPS imports it before the app registry is ready)."""

from django.contrib.admin.apps import AdminConfig


class LinliAdminConfig(AdminConfig):
    default_site = "linli.people.admin_site.LinliAdminSite"
