"""Scheduled callbacks: a lead to be called back at a given time, by anyone or one agent."""

from django.db import models


class Callback(models.Model):
    class Recipient(models.TextChoices):
        USERONLY = "USERONLY", "Only the named user"
        ANYONE = "ANYONE", "Anyone in the campaign"

    callback_id = models.BigAutoField(primary_key=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="callbacks")
    list_id = models.BigIntegerField()
    campaign_id = models.CharField(max_length=8, db_index=True)
    status = models.CharField(max_length=10, default="ACTIVE")
    entry_time = models.DateTimeField()
    # NULL is the original's zero date: a time the caller sent that could not be read.
    callback_time = models.DateTimeField(null=True, blank=True, db_index=True)
    user = models.CharField(max_length=20, blank=True)
    recipient = models.CharField(max_length=8, choices=Recipient.choices, default="ANYONE")
    comments = models.CharField(max_length=255, blank=True)
    user_group = models.CharField(max_length=20, blank=True)
    lead_status = models.CharField(max_length=6, default="CALLBK")

    class Meta:
        ordering = ["callback_time", "callback_id"]

    def __str__(self) -> str:
        return f"callback {self.callback_id} lead {self.lead_id} at {self.callback_time}"
