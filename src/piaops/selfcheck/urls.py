from django.urls import URLPattern, URLResolver, path

from piaops.selfcheck import baseline_views, views, xlsx_views

app_name = "selfcheck"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("baseline/", baseline_views.index, name="baseline"),
    path("baseline/create/", baseline_views.create, name="baseline_create"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/items/", views.template_item_add, name="template_item_add"),
    path("items/<int:pk>/", views.template_item_edit, name="template_item_edit"),
    path("items/<int:pk>/remove/", views.template_item_remove, name="template_item_remove"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/launch/", views.campaign_launch, name="campaign_launch"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/copy/", views.campaign_copy, name="campaign_copy"),
    path("campaigns/<int:pk>/targets/", views.campaign_targets, name="campaign_targets"),
    path("campaigns/<int:pk>/results/", views.campaign_results, name="results"),
    path("campaigns/<int:pk>/rating/", views.campaign_rating, name="rating"),
    path("campaigns/<int:pk>/jobs/<slug:what>/", xlsx_views.campaign_job_start, name="campaign_job_start"),
    path("campaigns/<int:pk>/summary.xlsx", xlsx_views.campaign_summary, name="campaign_summary"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/submit/", views.checklist_submit, name="checklist_submit"),
    path("checklists/<int:pk>/accept/", views.checklist_accept, name="checklist_accept"),
    path("checklists/<int:pk>/return/", views.checklist_return, name="checklist_return"),
    path("checklists/<int:pk>/reopen/", views.checklist_reopen, name="checklist_reopen"),
    path("checklists/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("checklists/<int:pk>/checklist.xlsx", xlsx_views.checklist_download, name="checklist_xlsx"),
    path("checklists/<int:pk>/upload/", xlsx_views.checklist_upload, name="checklist_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
