"""The grading app's pages: review, groups, rubric, feedback, regrades, publication, exports
and statistics. URL names are global (no namespace), as the templates use them."""

from django.urls import path

from grading import views

urlpatterns = [
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:submission_id>/graded.pdf", views.submission_pdf, name="submission_pdf"),
    path(
        "answers/<int:answer_id>/regrade",
        views.regrade_request_create,
        name="regrade_request_create",
    ),
    path(
        "submissions/<int:submission_id>/parts/<int:part_id>/regrade",
        views.regrade_request_for_part,
        name="regrade_request_for_part",
    ),
    path("answers/<int:answer_id>/grade", views.answer_grade, name="answer_grade"),
    path("answers/<int:answer_id>/accept", views.answer_accept, name="answer_accept"),
    path(
        "answers/<int:answer_id>/transcription",
        views.answer_transcription,
        name="answer_transcription",
    ),
    path("regrades/<int:request_id>/resolve", views.regrade_resolve, name="regrade_resolve"),
    path("parts/<int:part_id>/review/", views.review, name="review"),
    path("parts/<int:part_id>/review/undo", views.review_undo, name="review_undo"),
    path("parts/<int:part_id>/groups/", views.groups, name="groups"),
    path("parts/<int:part_id>/groups/grade", views.group_grade, name="group_grade"),
    path("parts/<int:part_id>/groups/accept", views.group_accept, name="group_accept"),
    path("parts/<int:part_id>/groups/split", views.group_split, name="group_split"),
    path("parts/<int:part_id>/groups/merge", views.group_merge, name="group_merge"),
    path("parts/<int:part_id>/rubric/", views.rubric, name="rubric"),
    path("parts/<int:part_id>/rubric/add", views.rubric_item_create, name="rubric_item_create"),
    path("parts/<int:part_id>/rubric/import", views.rubric_import, name="rubric_import"),
    path("rubric-items/<int:item_id>/edit", views.rubric_item_update, name="rubric_item_update"),
    path("rubric-items/<int:item_id>/delete", views.rubric_item_delete, name="rubric_item_delete"),
    path("exams/<int:exam_id>/publish", views.exam_publish, name="exam_publish"),
    path("exams/<int:exam_id>/unpublish", views.exam_unpublish, name="exam_unpublish"),
    path("exams/<int:exam_id>/anonymous", views.exam_anonymous, name="exam_anonymous"),
    path("exams/<int:exam_id>/export/scores.csv", views.export_scores, name="export_scores"),
    path(
        "exams/<int:exam_id>/export/gradebook.csv", views.export_gradebook, name="export_gradebook"
    ),
    path("exams/<int:exam_id>/export/canvas.csv", views.export_canvas, name="export_canvas"),
    path("exams/<int:exam_id>/export/moodle.csv", views.export_moodle, name="export_moodle"),
    path("exams/<int:exam_id>/stats/", views.exam_stats, name="exam_stats"),
]
