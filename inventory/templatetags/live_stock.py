"""Template tags for the storefront's live stock script."""

from django import template

from inventory.availability import STATUS_WORDS

register = template.Library()


@register.simple_tag
def status_words() -> dict[str, str]:
    """Return each status with its words, for ``json_script``.

    The script reads them from the page, so a badge it redraws says
    exactly what the server would have rendered.
    """
    return dict(STATUS_WORDS)
