from django.urls import path

from exams import views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<int:course_id>/", views.course_detail, name="course_detail"),
    path("courses/<int:course_id>/roster/import", views.roster_import, name="roster_import"),
    path("courses/<int:course_id>/roster/invite", views.roster_invite, name="roster_invite"),
    path("courses/<int:course_id>/exams/new/", views.exam_new, name="exam_new"),
    path(
        "courses/<int:course_id>/exams/new/propose",
        views.exam_new_propose,
        name="exam_new_propose",
    ),
    path(
        "courses/<int:course_id>/exams/new/confirm",
        views.exam_new_confirm,
        name="exam_new_confirm",
    ),
    path(
        "courses/<int:course_id>/exams/new/key-skeleton.yaml",
        views.exam_new_skeleton,
        name="exam_new_skeleton",
    ),
    path("exams/<int:exam_id>/", views.exam_detail, name="exam_detail"),
    path("exams/<int:exam_id>/regions/", views.exam_regions, name="exam_regions"),
    path("exams/<int:exam_id>/regions/save", views.exam_regions_save, name="exam_regions_save"),
    path("exams/<int:exam_id>/regions/find", views.exam_regions_find, name="exam_regions_find"),
    path(
        "exams/<int:exam_id>/template/<int:page>.png",
        views.exam_template_page,
        name="exam_template_page",
    ),
    path(
        "exams/<int:exam_id>/key/skeleton.yaml",
        views.answer_key_skeleton,
        name="answer_key_skeleton",
    ),
    path("exams/<int:exam_id>/key", views.answer_key_install, name="answer_key_install"),
    path("exams/<int:exam_id>/printed", views.printed_exam_install, name="printed_exam_install"),
    path("exams/<int:exam_id>/print", views.exam_print, name="exam_print"),
    path("exams/<int:exam_id>/template", views.exam_template_upload, name="exam_template_upload"),
    path("exams/<int:exam_id>/scans", views.scan_upload, name="scan_upload"),
    path(
        "exams/<int:exam_id>/scans/progress",
        views.exam_batches_progress,
        name="exam_batches_progress",
    ),
    path("exams/<int:exam_id>/attention/", views.exam_attention, name="exam_attention"),
    path("exams/<int:exam_id>/attention/discard", views.pages_discard, name="pages_discard"),
    path("exams/<int:exam_id>/pages/undo", views.pages_undo, name="pages_undo"),
    path("batches/<int:batch_id>/progress", views.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/resume", views.batch_resume, name="batch_resume"),
    path("pages/<int:page_id>/image", views.page_image, name="page_image"),
    path("pages/<int:page_id>/thumbnail.png", views.page_thumbnail, name="page_thumbnail"),
    path("pages/<int:page_id>/place", views.page_place, name="page_place"),
    path("pages/<int:page_id>/discard", views.page_discard, name="page_discard"),
    path("pages/<int:page_id>/unplace", views.page_unplace, name="page_unplace"),
    path(
        "submissions/<int:submission_id>/identify",
        views.submission_identify,
        name="submission_identify",
    ),
    path("preferences/shortcuts", views.shortcuts_set, name="shortcuts_set"),
    path("answers/<int:answer_id>/crop.png", views.answer_crop, name="answer_crop"),
]
