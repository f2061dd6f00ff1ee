"""明白卡 printing, as the benchmarks import it.

The code lives by role: reading cards and the print queue in
``selectors.printing`` (公示 lists in ``selectors.publicity``), rendering PDFs
in ``rendering``, and recording prints, hand-over and batch jobs in
``services.printing``.
"""

from .rendering import cards_html, cards_pdf
from .selectors.printing import area_households, card_households, cards_build

__all__ = ["area_households", "card_households", "cards_build", "cards_html", "cards_pdf"]
