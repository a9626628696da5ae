from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField


class OpenClient(models.Model):
    """An outside app allowed to post to Open311; its key is stored only as a digest."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_prefix = models.CharField(_("key prefix"), max_length=12)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name


class WeChatDraft(models.Model):
    """A report being put together from a resident's WeChat messages (text, location, photos),
    one per OpenID, until both a description and a place are there. The OpenID is personal data:
    only its blind index is stored; the text and photo references are encrypted."""

    openid_index = models.CharField(max_length=40, unique=True, editable=False)
    text = EncryptedTextField(blank=True, default="")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    label = EncryptedTextField(blank=True, default="")
    photos = EncryptedTextField(blank=True, default="")  # one "MediaId PicUrl" per line
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("WeChat draft")
        verbose_name_plural = _("WeChat drafts")

    def __str__(self) -> str:
        return f"draft {self.pk}"

    @property
    def has_place(self) -> bool:
        return self.lat is not None and self.lon is not None


class WeChatMessage(models.Model):
    """One message WeChat delivered, so that its retries (the same MsgId, or sender and
    CreateTime for events) create nothing twice and get the first answer again."""

    key = models.CharField(max_length=40, unique=True, editable=False)
    reply = EncryptedTextField(blank=True, default="")  # may carry a follow-up code
    received_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"message {self.pk}"


class WeChatNonce(models.Model):
    """A signed request's nonce, kept while its timestamp is acceptable, to refuse replays."""

    key = models.CharField(max_length=40, unique=True, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"nonce {self.pk}"
