from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mentoring.accounts import receivers as account_receivers
        from mentoring.boards import receivers as board_receivers

        account_receivers.connect()
        board_receivers.connect()
