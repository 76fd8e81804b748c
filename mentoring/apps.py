from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mentoring.accounts import receivers
        from mentoring.privacy import receivers as privacy_receivers

        receivers.connect()
        privacy_receivers.connect()
