"""Card subscriptions a reader ends: the provider stops renewing first, then the membership is marked to end.

Renewals themselves arrive as provider events (`settlement.renew`); the sandbox's come from
`providers.sandbox.renew_due_subscriptions`, run by the `renew_memberships` task.
"""

from __future__ import annotations

from byline.payments.errors import ProviderError
from byline.payments.providers import get_provider, provider_class
from byline.purchases import memberships
from byline.purchases.models import Membership, RenewVia


def cancel_membership(*, reader) -> Membership | None:
    """Stop the reader's membership from renewing; it keeps working until its period ends.

    A card subscription is cancelled at its provider first, so the card is not charged again; if the
    provider cannot be reached, ProviderError is raised and nothing changes (the reader may try again).
    """
    membership = memberships.active_membership(reader=reader)
    if membership is None or membership.cancel_at_period_end:
        return membership
    if membership.renew_via == RenewVia.CARD and membership.subscription_ref and \
            provider_class(membership.renew_provider or None).subscriptions:
        get_provider(membership.renew_provider or None).cancel_subscription(
            subscription_ref=membership.subscription_ref)
    return memberships.cancel_at_period_end(reader=reader)


def cancel_author_subscription_at_provider(*, subscription) -> None:
    """Registered in `subscriptions.services.CANCEL_AT_PROVIDER` (payments.apps): stop a writer's card
    subscription at its provider before the subscription is marked to end."""
    from byline.subscriptions.errors import ProviderUnavailable

    if not provider_class(subscription.renew_provider or None).subscriptions:
        return
    try:
        get_provider(subscription.renew_provider or None).cancel_subscription(
            subscription_ref=subscription.subscription_ref)
    except ProviderError as error:
        raise ProviderUnavailable() from error
