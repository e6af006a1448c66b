"""Admin screens: subscriptions (with "send a test event") and the delivery log (per lead,
per subscription; "send again"), each delivery with its tries."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import Attempt, Delivery, Subscription
from .services import deliveries_send_again, subscription_test_event

# The doors of the lead pipeline (leads.models.Lead.Door), by name: this app imports no leads.
DOORS = [("api", "API"), ("upload", "Upload"), ("manual", "Manual entry")]


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label="target URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=Subscription.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event.",
    )
    doors = forms.MultipleChoiceField(
        choices=DOORS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="For lead.created: the doors whose leads are sent. None ticked: every door.",
    )

    class Meta:
        model = Subscription
        fields = ("name", "url", "secret", "events", "list_ids", "doors", "active")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("events", "doors"):
            self.initial[name] = (getattr(self.instance, name) or "").split()

    def clean_list_ids(self) -> str:
        ids = self.cleaned_data["list_ids"].replace(",", " ").split()
        if any(not i.isdigit() for i in ids):
            raise forms.ValidationError("List ids are numbers separated by spaces.")
        return " ".join(ids)

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"].strip()
        from .signing import secret_key

        try:
            if not secret.startswith("whsec_") or len(secret_key(secret)) < 16:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(
                "A secret is whsec_ followed by at least 16 bytes in base64."
            ) from None
        return secret

    def clean(self):
        cleaned = super().clean()
        for name in ("events", "doors"):
            if name in cleaned:
                cleaned[name] = " ".join(cleaned[name])
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("name", "url", "events", "list_ids", "doors", "active", "log")
    list_filter = ("active",)
    readonly_fields = ("disabled_reason",)
    actions = ("send_test_event",)

    def get_fields(self, request, obj=None):
        fields = list(SubscriptionForm.Meta.fields)
        return [*fields, "disabled_reason"] if obj and obj.disabled_reason else fields

    def save_model(self, request, obj, form, change):
        if obj.active:
            obj.disabled_reason = ""
        super().save_model(request, obj, form, change)

    @admin.display(description="deliveries")
    def log(self, obj: Subscription) -> str:
        url = reverse("admin:webhooks_delivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">log</a>', url)

    @admin.action(description="Send a test event")
    def send_test_event(self, request, queryset) -> None:
        for subscription in queryset:
            subscription_test_event(subscription)
        self.message_user(
            request,
            f"Test event queued for {queryset.count()} subscription(s); see the delivery log.",
            messages.SUCCESS,
        )


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("started_at", "duration_ms", "address", "status_code", "answer", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "event_type",
        "subscription",
        "lead_id",
        "status",
        "tries",
        "last_status_code",
        "created_at",
        "next_try_at",
    )
    list_filter = ("status", "kind", "event_type", "subscription")
    search_fields = ("=lead_id", "=event_id")
    search_help_text = "A lead id or an event id."
    inlines = (AttemptInline,)
    actions = ("send_again",)
    list_select_related = ("subscription",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send again")
    def send_again(self, request, queryset) -> None:
        count = deliveries_send_again(queryset)
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)
