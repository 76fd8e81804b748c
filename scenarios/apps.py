from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "scenarios"
    label = "scenarios"
    verbose_name = "Scenarios"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mentoring.boards.services.sections import register_section_finder
        from mentoring.core.privacy import register
        from mentoring.lti.selectors import register_placement_finder
        from mentoring.signals import members_enrolled
        from scenarios.selectors import PRIVACY, lti_placements
        from scenarios.services.groups import place_late_joiners_on_enrolment, release_sections

        # Late joiners are placed inside the enrolment transaction: if the enrolment rolls
        # back, so do their group places (and nobody is ever enrolled without a group).
        members_enrolled.connect(
            place_late_joiners_on_enrolment, dispatch_uid="scenarios.place_late_joiners"
        )
        # Group boards go under their release on the cohort page, not one card each on top.
        register_section_finder(release_sections)
        # Its part of a member's data export (mentoring.privacy's registry of providers).
        register(PRIVACY)
        # Released scenarios are places a learning platform's link may open (LTI deep linking).
        register_placement_finder(lti_placements)
