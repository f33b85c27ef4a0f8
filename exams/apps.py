from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "Exams and scans"

    def ready(self) -> None:
        # The system checks of the pipeline's settings, and the pipeline's tasks: the modules
        # below the tasks send a step's message by the task's name (exams.pipeline.steps), so
        # every process registers the tasks, not only the workers that autodiscover them.
        from exams import checks, tasks  # noqa: F401
