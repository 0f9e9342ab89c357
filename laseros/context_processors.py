from django.conf import settings


def shop(request):
    """The shop's name and currency for every template."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "CURRENCY_SYMBOL": settings.SHOP_CURRENCY_SYMBOL,
    }
