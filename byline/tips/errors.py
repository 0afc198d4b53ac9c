from django.utils.translation import gettext_lazy as _


class TipRefused(Exception):
    default_message = _("This tip is not possible.")

    def __init__(self, message=None, *, code: str = "refused"):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        self.code = code


class NotEnoughForTip(TipRefused):
    default_message = _("Your balance is too low for this tip. Nothing was paid.")


class TipKeyReused(TipRefused):
    default_message = _("This form was already used for a different tip, so nothing was done. Please reload the "
                        "page and try again.")


class TipUndoRefused(TipRefused):
    pass
