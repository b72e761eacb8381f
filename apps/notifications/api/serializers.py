from rest_framework import serializers

from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    subject_type = serializers.SerializerMethodField(
        help_text='What it is about, as "app_label.model" (e.g. "engagement.handoff"), or null.'
    )
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "text",
            "link",
            "subject_type",
            "subject_id",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_subject_type(self, notification: Notification) -> str | None:
        content_type = notification.subject_type
        return f"{content_type.app_label}.{content_type.model}" if content_type else None

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread before.")
