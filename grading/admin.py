from django.contrib import admin

from grading import models


@admin.register(models.GradeEvent)
class GradeEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ("answer", "action", "old_points", "new_points", "actor", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (models.RubricItem, models.Score, models.RegradeRequest):
    admin.site.register(model)
