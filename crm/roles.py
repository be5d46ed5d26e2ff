"""The three roles of the CRM, kept as Django groups with the permissions the admin needs.

The groups themselves are created by a migration; after every ``migrate`` their model
permissions are brought in line with this table, so new models are covered automatically.
"""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

ROLE_ACTIONS = {
    "viewer": ("view",),
    "editor": ("view", "add", "change"),
    "manager": ("view", "add", "change", "delete"),
}


def sync_role_permissions(using="default"):
    from django.contrib.auth.models import Group, Permission

    crm_permissions = Permission.objects.using(using).filter(content_type__app_label="crm")
    for role, actions in ROLE_ACTIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = [
            p
            for p in crm_permissions
            if p.codename.split("_", 1)[0] in actions
            # Only managers touch user accounts and tokens; history is read-only for everyone.
            and (role == "manager" or not p.codename.endswith("_user") or p.codename.startswith("view_"))
            and (not p.codename.split("_", 1)[1].startswith("historical") or p.codename.startswith("view_"))
        ]
        group.permissions.set(wanted)


@receiver(post_migrate)
def _sync_after_migrate(sender, using="default", **kwargs):
    if getattr(sender, "name", None) == "crm":
        sync_role_permissions(using=using)
