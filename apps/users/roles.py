"""What each role may do, as Django permissions on its group.

Admins hold every permission through `RoleBackend`, so new models need no new grant for them.
Ownership rules (a rep edits only their own opportunities) sit on top, in the API's scoping.
"""

from django.contrib.auth.management import create_permissions

from apps.users.models import Role

VIEW = ("view",)
MANAGE = ("add", "change", "delete", "view")

SALES_GRANTS: dict[str, tuple[str, ...]] = {
    "accounts.account": VIEW,
    "accounts.contact": VIEW,
    "pipeline.pipelinestage": VIEW,
    "pipeline.opportunity": ("add", "change", "view"),
    "pipeline.stagechange": VIEW,
    "personas.persona": VIEW,
    "journeys.journey": VIEW,
    "journeys.journeystage": VIEW,
    "journeys.stagetransition": VIEW,
    "journeys.playbookcell": VIEW,
    "journeys.stagekpi": VIEW,
    "journeys.journeychange": VIEW,
    "journeys.journeyreview": VIEW,
    "journeys.journeyreviewtrigger": VIEW,
    "content.asset": VIEW,
    "content.assetshare": ("add", "view"),
    "content.enablementrequest": ("add", "change", "view"),
    "campaigns.campaign": VIEW,
    "engagement.event": VIEW,
    "engagement.contactscore": VIEW,
    "engagement.accountscore": VIEW,
    "engagement.accountscoresnapshot": VIEW,
    "engagement.inferredstagechange": VIEW,
    # Accept or reject the MQLs and MQAs marketing hands over.
    "engagement.handoff": ("change", "view"),
    "pipeline.opportunitystall": VIEW,
    "nurture.sequence": VIEW,
    "nurture.step": VIEW,
    "nurture.stepvariant": VIEW,
    # Enrol and end enrolments for their own deals; complete their own nurture tasks.
    "nurture.enrollment": ("add", "change", "view"),
    "nurture.touch": ("change", "view"),
    "enablement.dealobjection": ("add", "view"),
    "enablement.assetrecommendation": VIEW,
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SALES: SALES_GRANTS,
    # A sales manager holds a rep's grants; not being bound to their own records, they reach
    # every rep's deals, handoffs and tasks (`apps.users.selectors.bound_to_own_records`).
    Role.MANAGER: SALES_GRANTS,
    Role.MARKETER: {
        "accounts.account": VIEW,
        "accounts.contact": VIEW,
        "pipeline.pipelinestage": VIEW,
        "pipeline.opportunity": VIEW,
        "pipeline.stagechange": VIEW,
        "personas.persona": MANAGE,
        "journeys.journey": MANAGE,
        "journeys.journeystage": MANAGE,
        "journeys.stagetransition": MANAGE,
        "journeys.playbookcell": MANAGE,
        "journeys.stagekpi": MANAGE,
        "journeys.journeychange": VIEW,
        "journeys.journeyreview": ("add", "view"),
        "journeys.journeyreviewtrigger": ("add", "view"),
        "journeys.reviewreminder": VIEW,
        "content.asset": MANAGE,
        "content.assetshare": VIEW,
        "content.enablementrequest": MANAGE,
        "campaigns.campaign": MANAGE,
        "campaigns.campaigntemplate": MANAGE,
        # Marketing operations feed signals in through the bulk API.
        "engagement.event": ("add", "view"),
        "engagement.signalrule": MANAGE,
        "engagement.scoringsettings": ("change", "view"),
        "engagement.contactscore": VIEW,
        "engagement.accountscore": VIEW,
        "engagement.accountscoresnapshot": VIEW,
        "engagement.inferredstagechange": VIEW,
        "engagement.handoff": VIEW,
        # Check how well the scores would have foreseen deals (the backtest page and API).
        "engagement.backtest": ("add", "view"),
        # Train the fit model (the ideal-customer profile learned from won and lost deals).
        "fit.fitmodel": ("add", "view"),
        # Calibrate the rules from history, and approve or decline the proposed rule sets.
        "engagement.calibration": ("add", "view"),
        "engagement.ruleset": ("change", "view"),
        "nurture.sequence": MANAGE,
        "nurture.step": MANAGE,
        "nurture.stepvariant": MANAGE,
        "nurture.enrollment": MANAGE,
        "nurture.touch": VIEW,
        "nurture.holiday": MANAGE,
        "pipeline.opportunitystall": VIEW,
        "enablement.dealobjection": VIEW,
        "enablement.assetrecommendation": VIEW,
        "personas.titlerule": MANAGE,
        # Imports bring accounts, contacts and deals in from a CRM (files or the bulk API).
        "imports.importrun": MANAGE,
        "imports.importrowerror": VIEW,
        "imports.savedmapping": MANAGE,
    },
    Role.ADMIN: {},
}


def sync_roles(apps, schema_editor=None) -> None:
    """`RunPython` entry point: create the permissions so far, then sync the role groups."""
    # Permissions are normally created after `migrate` ends; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def sync_role_groups(apps) -> None:
    """Make each role's group hold exactly its permissions; safe to run again.

    Called from data migrations with the historical app registry. A migration that adds models
    runs it again (after creating their permissions) so the groups catch up; permissions of
    models that do not exist yet at that point in the history are left for that later run.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            (label, f"{action}_{model}")
            for dotted, actions in grants.items()
            for label, model in [dotted.split(".")]
            for action in actions
        ]
        perms = list(
            Permission.objects.filter(
                content_type__app_label__in={label for label, _ in wanted},
                codename__in={codename for _, codename in wanted},
            ).select_related("content_type")
        )
        wanted_set = set(wanted)
        group.permissions.set(
            [p for p in perms if (p.content_type.app_label, p.codename) in wanted_set]
        )
