from django import forms


class KeyForm(forms.Form):
    """Every money-moving form carries the idempotency key generated when its page rendered."""

    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)
