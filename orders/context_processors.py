def cart_summary(request) -> dict:
    """Put the number of units in the visitor's cart on every page."""
    cart = request.session.get("cart", {}) if hasattr(request, "session") else {}
    try:
        count = sum(int(q) for q in cart.values())
    except (TypeError, ValueError, AttributeError):
        count = 0
    return {"cart_count": count}
