"""The admin site of OMS in place of Django's default one (``oms_project.admin_site``)."""

from django.contrib.admin.apps import AdminConfig


class OMSAdminConfig(AdminConfig):
    default_site = "oms_project.admin_site.OMSAdminSite"
