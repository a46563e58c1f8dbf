"""Purchase orders: incoming and restock dates, receipts in parts, closing
short, races with holds, and the admin's forms and permissions."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from inventory import purchasing, services
from inventory.admin import purchasing as purchasing_admin
from inventory.errors import (
    InvalidRequest,
    PurchaseOrderStateConflict,
    ReceiptExceedsOutstanding,
)
from inventory.models import LedgerEntry, PurchaseOrder, Reason, Reservation
from inventory.reconcile import stock_reconcile
from inventory.roles import CLERKS, MANAGERS
from inventory.vendor_sync import INCOMING, vendor_lines_apply
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.django_db

Status = PurchaseOrder.Status


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def draft(*lines, **kwargs) -> PurchaseOrder:
    """A draft of (SKU code, warehouse, quantity, days from today) lines."""
    return purchasing.po_create(
        lines=[
            (level(code, warehouse).pk, quantity, days(n))
            for code, warehouse, quantity, n in lines
        ],
        actor="buyer",
        **kwargs,
    )


def opened(*lines) -> PurchaseOrder:
    po = draft(*lines)
    return purchasing.po_open(po_id=po.pk, actor="buyer")


def receive(po: PurchaseOrder, *quantities: int, actor: str = "clerk"):
    lines = list(po.lines.order_by("pk"))
    return purchasing.po_receive(
        po_id=po.pk,
        quantities={ln.pk: q for ln, q in zip(lines, quantities, strict=True)},
        actor=actor,
    )


def figures(code: str, warehouse: str = "EAST") -> tuple:
    lv = level(code, warehouse)
    return (lv.on_hand, lv.reserved, lv.incoming, lv.restock_eta)


def assert_ledger_matches(code: str, warehouse: str = "EAST") -> None:
    lv = level(code, warehouse)
    sums = LedgerEntry.objects.filter(level=lv).aggregate(
        on_hand=Sum("on_hand_delta"), incoming=Sum("incoming_delta")
    )
    assert (sums["on_hand"], sums["incoming"] or 0) == (lv.on_hand, lv.incoming)


@pytest.fixture
def desk(make_sku):
    return make_sku("DESK-9", EAST=5, WEST=2)


def test_a_draft_changes_no_figure(desk):
    before = level(desk)

    po = draft(("DESK-9", "EAST", 10, 5))

    assert po.status == Status.DRAFT
    assert level(desk).version == before.version
    assert figures("DESK-9") == (5, 0, 0, None)


def test_it_raises_incoming_and_sets_the_eta_when_an_order_opens(desk):
    po = opened(("DESK-9", "EAST", 10, 5))

    assert po.status == Status.OPEN
    assert figures("DESK-9") == (5, 0, 10, days(5))
    entry = LedgerEntry.objects.filter(level=level(desk)).latest("pk")
    assert (entry.reason, entry.incoming_delta, entry.note) == (
        Reason.PO_OPEN,
        10,
        po.number,
    )
    availability = services.level_figures(level(desk))
    assert (availability["available"], availability["incoming"]) == (5, 10)


def test_opening_an_open_order_again_changes_nothing(desk):
    po = opened(("DESK-9", "EAST", 10, 5))

    purchasing.po_open(po_id=po.pk, actor="buyer")

    assert figures("DESK-9") == (5, 0, 10, days(5))


def test_it_receives_in_parts_and_closing_takes_the_rest_off_incoming(desk):
    po = opened(("DESK-9", "EAST", 10, 5))

    receive(po, 4)
    receive(po, 3)

    assert figures("DESK-9") == (12, 0, 3, days(5))
    line = po.lines.get()
    assert (line.received, line.outstanding) == (7, 3)

    purchasing.po_close(po_id=po.pk, actor="buyer")

    assert figures("DESK-9") == (12, 0, 0, None)
    line.refresh_from_db()
    po.refresh_from_db()
    assert (line.received, line.cancelled, po.status) == (7, 3, Status.CLOSED)
    reasons = list(
        LedgerEntry.objects.filter(level=level(desk), note__startswith=po.number)
        .order_by("pk")
        .values_list("reason", "on_hand_delta", "incoming_delta")
    )
    assert reasons == [
        ("po_open", 0, 10),
        ("po_receipt", 4, -4),
        ("po_receipt", 3, -3),
        ("po_close", 0, -3),
    ]
    assert_ledger_matches("DESK-9")


def test_it_closes_itself_once_every_unit_arrived(desk):
    po = opened(("DESK-9", "EAST", 10, 5), ("DESK-9", "WEST", 2, 3))

    po = receive(po, 10, 2)

    assert po.status == Status.CLOSED
    assert figures("DESK-9") == (15, 0, 0, None)
    assert figures("DESK-9", "WEST") == (4, 0, 0, None)


def test_it_refuses_to_receive_more_than_a_line_still_owes(desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    receive(po, 4)

    with pytest.raises(ReceiptExceedsOutstanding) as refusal:
        receive(po, 7)

    assert refusal.value.extra["lines"] == [
        {
            "line": po.lines.get().pk,
            "sku": "DESK-9",
            "warehouse": "EAST",
            "requested": 7,
            "outstanding": 6,
        }
    ]
    assert figures("DESK-9") == (9, 0, 6, days(5))
    assert po.lines.get().received == 4


def test_it_receives_nothing_when_one_line_of_several_is_too_much(desk):
    po = opened(("DESK-9", "EAST", 10, 5), ("DESK-9", "WEST", 2, 3))

    with pytest.raises(ReceiptExceedsOutstanding):
        receive(po, 5, 3)

    assert figures("DESK-9") == (5, 0, 10, days(5))
    assert figures("DESK-9", "WEST") == (2, 0, 2, days(3))


def test_the_eta_is_the_earliest_date_still_owed_over_two_orders(desk):
    later = opened(("DESK-9", "EAST", 10, 9))
    sooner = opened(("DESK-9", "EAST", 5, 3))

    assert figures("DESK-9") == (5, 0, 15, days(3))

    receive(sooner, 5)
    assert figures("DESK-9") == (10, 0, 10, days(9))

    purchasing.po_close(po_id=later.pk, actor="buyer")
    assert figures("DESK-9") == (10, 0, 0, None)


def test_a_later_order_keeps_the_sooner_date_and_closing_it_brings_it_back(desk):
    sooner = opened(("DESK-9", "EAST", 4, 2))
    later = opened(("DESK-9", "EAST", 6, 8))

    assert figures("DESK-9") == (5, 0, 10, days(2))

    purchasing.po_close(po_id=sooner.pk, actor="buyer")

    assert figures("DESK-9") == (5, 0, 6, days(8))
    assert later.lines.get().outstanding == 6


def test_a_vendors_announced_units_keep_their_date_beside_an_order(desk):
    vendor_lines_apply(
        kind=INCOMING,
        lines=[
            {
                "sku": "DESK-9",
                "warehouse": "EAST",
                "quantity": 6,
                "eta": days(3).isoformat(),
            }
        ],
        occurred_at=timezone.now(),
        actor="acme",
    )

    po = opened(("DESK-9", "EAST", 10, 10))
    assert figures("DESK-9") == (5, 0, 16, days(3))

    purchasing.po_close(po_id=po.pk, actor="buyer")
    assert figures("DESK-9") == (5, 0, 6, days(3))


def test_it_never_takes_incoming_below_zero_after_a_vendor_restated_it(desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    vendor_lines_apply(
        kind=INCOMING,
        lines=[
            {
                "sku": "DESK-9",
                "warehouse": "EAST",
                "quantity": 4,
                "eta": days(6).isoformat(),
            }
        ],
        occurred_at=timezone.now(),
        actor="acme",
    )

    receive(po, 6)

    assert figures("DESK-9") == (11, 0, 0, None)
    assert_ledger_matches("DESK-9")


def test_it_cancels_a_draft_and_refuses_to_cancel_an_open_order(desk):
    kept = draft(("DESK-9", "EAST", 3, 5))
    po = opened(("DESK-9", "EAST", 10, 5))

    purchasing.po_cancel(po_id=kept.pk, actor="buyer")
    with pytest.raises(PurchaseOrderStateConflict):
        purchasing.po_cancel(po_id=po.pk, actor="buyer")

    kept.refresh_from_db()
    assert kept.status == Status.CANCELLED
    assert figures("DESK-9") == (5, 0, 10, days(5))
    with pytest.raises(PurchaseOrderStateConflict):
        purchasing.po_open(po_id=kept.pk, actor="buyer")


def test_it_refuses_to_receive_on_a_draft_or_a_closed_order(desk):
    waiting = draft(("DESK-9", "EAST", 3, 5))
    done = opened(("DESK-9", "EAST", 10, 5))
    purchasing.po_close(po_id=done.pk, actor="buyer")

    for po in (waiting, done):
        with pytest.raises(PurchaseOrderStateConflict):
            receive(po, 1)

    assert figures("DESK-9") == (5, 0, 0, None)


@pytest.mark.parametrize(
    "quantity, n",
    [(0, 5), (-2, 5), (1.5, 5), ("3", 5), (True, 5), (100_001, 5), (3, -1)],
)
def test_it_refuses_a_bad_line(desk, quantity, n):
    with pytest.raises(InvalidRequest):
        draft(("DESK-9", "EAST", quantity, n))

    assert PurchaseOrder.objects.count() == 0


def test_it_refuses_two_lines_on_one_level(desk):
    with pytest.raises(InvalidRequest):
        draft(("DESK-9", "EAST", 2, 5), ("DESK-9", "EAST", 3, 5))


@pytest.mark.parametrize("quantity", [-1, 1.5, "2", None, 0])
def test_it_refuses_a_bad_receipt_and_changes_nothing(desk, quantity):
    po = opened(("DESK-9", "EAST", 10, 5))

    with pytest.raises(InvalidRequest):
        receive(po, quantity)

    assert figures("DESK-9") == (5, 0, 10, days(5))


@pytest.mark.postgres
def test_holds_racing_receipts_end_with_exact_figures(desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    line = po.lines.get()
    receipts = [
        lambda: purchasing.po_receive(
            po_id=po.pk, quantities={line.pk: 3}, actor="clerk"
        )
        for _ in range(2)
    ]
    holds = [
        lambda: services.reservation_create(lines=[("DESK-9", 1)], ship_to="EAST")
        for _ in range(5)
    ]

    results = run_together(receipts + holds)

    assert [type(r) for r in results[:2]] == [PurchaseOrder, PurchaseOrder]
    assert all(isinstance(r, Reservation) for r in results[2:])
    east = level(desk)
    assert (east.on_hand, east.reserved, east.incoming) == (11, 5, 4)
    assert east.restock_eta == days(5)
    assert po.lines.get().received == 6
    assert stock_reconcile().problems == []


@pytest.mark.postgres
def test_two_receipts_racing_for_the_last_units_receive_once(desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    line = po.lines.get()

    def take_six():
        return purchasing.po_receive(
            po_id=po.pk, quantities={line.pk: 6}, actor="clerk"
        )

    results = run_together([take_six, take_six])

    refused = [r for r in results if isinstance(r, ReceiptExceedsOutstanding)]
    assert len(refused) == 1
    assert figures("DESK-9") == (11, 0, 4, days(5))
    total = LedgerEntry.objects.filter(level=level(desk)).aggregate(
        n=Sum("on_hand_delta")
    )
    assert total["n"] == 11


# The admin: the cast is a clerk and a manager in the shop's role groups.


def staff(django_user_model, name: str, role: str):
    user = django_user_model.objects.create_user(
        name, password=f"pw-{name}", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def clerk_client(client, django_user_model):
    client.force_login(staff(django_user_model, "stockclerk", CLERKS))
    return client


@pytest.fixture
def manager_client(client, django_user_model):
    client.force_login(staff(django_user_model, "stockmanager", MANAGERS))
    return client


def receive_url(po: PurchaseOrder) -> str:
    return reverse("admin:inventory_purchaseorder_receive", args=[po.pk])


def act(client, action: str, *pos: PurchaseOrder):
    return client.post(
        reverse("admin:inventory_purchaseorder_changelist"),
        {"action": action, "_selected_action": [po.pk for po in pos]},
    )


def test_a_clerk_receives_through_the_form(clerk_client, desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    line = po.lines.get()

    page = clerk_client.get(receive_url(po))
    response = clerk_client.post(receive_url(po), {f"line_{line.pk}": "4"})

    assert page.status_code == 200
    assert f'name="line_{line.pk}"' in page.content.decode()
    assert response.status_code == 302
    assert figures("DESK-9") == (9, 0, 6, days(5))
    entry = LedgerEntry.objects.filter(level=level(desk)).latest("pk")
    assert (entry.reason, entry.actor) == (Reason.PO_RECEIPT, "stockclerk")


@pytest.mark.parametrize(
    "typed, error",
    [
        ("-1", "Enter a number of units from 0."),
        ("1.5", "Enter a whole number."),
        ("99999999999999999999", "Only 10 still to come on this line."),
        ("ten", "Enter a whole number."),
        ("11", "Only 10 still to come on this line."),
        ("", "Enter the units received on some line."),
        ("0", "Enter the units received on some line."),
    ],
)
def test_the_receive_form_shows_bad_numbers_and_changes_nothing(
    clerk_client, desk, typed, error
):
    po = opened(("DESK-9", "EAST", 10, 5))
    line = po.lines.get()
    entries = LedgerEntry.objects.count()

    response = clerk_client.post(receive_url(po), {f"line_{line.pk}": typed})

    assert response.status_code == 200
    assert error in response.content.decode()
    assert figures("DESK-9") == (5, 0, 10, days(5))
    assert po.lines.get().received == 0
    assert LedgerEntry.objects.count() == entries


def test_the_receive_form_reports_a_receipt_that_lost_a_race(clerk_client, desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    line = po.lines.get()
    page = clerk_client.get(receive_url(po))
    # Another clerk receives 8 while this form is open.
    receive(po, 8)

    response = clerk_client.post(receive_url(po), {f"line_{line.pk}": "5"})

    assert page.status_code == 200
    assert response.status_code == 200
    assert "Only 2 still to come on this line." in response.content.decode()
    assert figures("DESK-9") == (13, 0, 2, days(5))


def test_a_clerk_can_receive_but_not_open_close_or_write_orders(clerk_client, desk):
    waiting = draft(("DESK-9", "EAST", 3, 5))
    po = opened(("DESK-9", "EAST", 10, 5))

    opening = act(clerk_client, "open_orders", waiting)
    closing = act(clerk_client, "close_orders", po)
    adding = clerk_client.get(reverse("admin:inventory_purchaseorder_add"))
    changing = clerk_client.post(
        reverse("admin:inventory_purchaseorder_change", args=[waiting.pk]),
        {"supplier": "Someone else"},
    )
    listing = clerk_client.get(reverse("admin:inventory_purchaseorder_changelist"))

    assert listing.status_code == 200
    assert "receive_goods" in listing.content.decode()
    assert "close_orders" not in listing.content.decode()
    assert (adding.status_code, changing.status_code) == (403, 403)
    # An action the user may not run is "no action": nothing is called.
    for refused in (opening, closing):
        notes = [str(m) for m in refused.wsgi_request._messages]
        assert set(notes) == {"No action selected."}
    waiting.refresh_from_db()
    po.refresh_from_db()
    assert (waiting.status, po.status) == (Status.DRAFT, Status.OPEN)
    assert figures("DESK-9") == (5, 0, 10, days(5))


def test_a_manager_opens_and_closes_orders_with_the_actions(manager_client, desk):
    po = draft(("DESK-9", "EAST", 10, 5))

    act(manager_client, "open_orders", po)
    assert figures("DESK-9") == (5, 0, 10, days(5))

    act(manager_client, "close_orders", po)
    assert figures("DESK-9") == (5, 0, 0, None)
    po.refresh_from_db()
    assert po.status == Status.CLOSED


def test_the_actions_report_a_refusal_and_do_the_rest(manager_client, desk):
    closed = opened(("DESK-9", "EAST", 1, 5))
    purchasing.po_close(po_id=closed.pk, actor="buyer")
    waiting = draft(("DESK-9", "WEST", 4, 5))

    response = act(manager_client, "open_orders", closed, waiting)

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.OPEN
    assert figures("DESK-9", "WEST") == (2, 0, 4, days(5))
    assert figures("DESK-9", "EAST") == (5, 0, 0, None)


def draft_form(level_pk: int, quantity: str, expected: str) -> dict:
    return {
        "vendor": "",
        "supplier": "Acme Office Supply",
        "reference": "Q-77",
        "note": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-level": str(level_pk),
        "lines-0-quantity": quantity,
        "lines-0-expected_on": expected,
    }


def test_a_manager_writes_a_draft_in_the_admin(manager_client, desk):
    east = level(desk)

    response = manager_client.post(
        reverse("admin:inventory_purchaseorder_add"),
        draft_form(east.pk, "12", days(4).isoformat()),
    )

    assert response.status_code == 302
    po = PurchaseOrder.objects.get()
    line = po.lines.get()
    assert (po.status, po.supplier, po.created_by) == (
        Status.DRAFT,
        "Acme Office Supply",
        "stockmanager",
    )
    assert (line.level_id, line.quantity, line.expected_on) == (east.pk, 12, days(4))
    assert figures("DESK-9") == (5, 0, 0, None)


@pytest.mark.parametrize(
    "quantity, expected",
    [("0", 4), ("-3", 4), ("2.5", 4), ("100001", 4), ("x", 4), ("5", -1)],
)
def test_the_draft_form_refuses_bad_lines(manager_client, desk, quantity, expected):
    response = manager_client.post(
        reverse("admin:inventory_purchaseorder_add"),
        draft_form(level(desk).pk, quantity, days(expected).isoformat()),
    )

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]
    assert PurchaseOrder.objects.count() == 0


def test_an_open_orders_lines_are_shown_not_edited(manager_client, desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    url = reverse("admin:inventory_purchaseorder_change", args=[po.pk])

    page = manager_client.get(url).content.decode()
    response = manager_client.post(
        url,
        {
            **draft_form(level(desk).pk, "99", days(4).isoformat()),
            "supplier": "Acme",
            "lines-TOTAL_FORMS": "0",
        },
    )

    assert 'name="lines-0-quantity"' not in page
    assert "Receive goods" in page
    assert response.status_code == 302
    po.refresh_from_db()
    assert (po.supplier, po.status) == ("Acme", Status.OPEN)
    assert po.lines.get().quantity == 10
    assert figures("DESK-9") == (5, 0, 10, days(5))


def test_a_form_that_read_a_draft_cannot_save_once_the_order_opened(desk):
    po = draft(("DESK-9", "EAST", 3, 5))
    seen = po.status

    purchasing.po_open(po_id=po.pk, actor="buyer")

    with pytest.raises(PurchaseOrderStateConflict):
        purchasing.po_lock_for_edit(po_id=po.pk, seen_status=seen)


def test_the_admin_saves_nothing_of_a_draft_opened_while_its_form_was_sent(
    manager_client, desk, monkeypatch
):
    po = draft(("DESK-9", "EAST", 3, 5))
    line = po.lines.get()
    url = reverse("admin:inventory_purchaseorder_change", args=[po.pk])
    lock = purchasing_admin.po_lock_for_edit

    def opened_meanwhile(**kwargs):
        # Another manager opens the order between the form's read and save.
        purchasing.po_open(po_id=po.pk, actor="buyer")
        return lock(**kwargs)

    monkeypatch.setattr(purchasing_admin, "po_lock_for_edit", opened_meanwhile)
    response = manager_client.post(
        url,
        {
            **draft_form(level(desk).pk, "30", days(5).isoformat()),
            "supplier": "Someone else",
            "lines-INITIAL_FORMS": "1",
            "lines-0-id": str(line.pk),
            "lines-0-po": str(po.pk),
        },
    )

    assert (response.status_code, response["Location"]) == (302, url)
    notes = [str(m) for m in response.wsgi_request._messages]
    assert notes == [f"{po.number} became open meanwhile; nothing was saved"]
    po.refresh_from_db()
    assert (po.supplier, po.lines.get().quantity) == ("", 3)


def test_the_receive_action_leads_to_the_form_of_one_order(manager_client, desk):
    one = opened(("DESK-9", "EAST", 10, 5))
    two = opened(("DESK-9", "WEST", 1, 5))

    single = act(manager_client, "receive_goods", one)
    both = act(manager_client, "receive_goods", one, two)

    assert single["Location"] == receive_url(one)
    assert both["Location"] == reverse("admin:inventory_purchaseorder_changelist")
    notes = [str(m) for m in both.wsgi_request._messages]
    assert notes == ["Choose one order to receive."]


def test_the_admin_finds_an_order_by_its_number(manager_client, desk):
    po = opened(("DESK-9", "EAST", 10, 5))
    draft(("DESK-9", "WEST", 1, 5))

    response = manager_client.get(
        reverse("admin:inventory_purchaseorder_changelist"), {"q": po.number}
    )

    assert [o.pk for o in response.context["cl"].result_list] == [po.pk]


def test_a_draft_form_opened_before_the_order_opened_saves_nothing(
    manager_client, desk
):
    from tests.conftest import opened_form

    po = draft(("DESK-9", "EAST", 3, 5))
    line = po.lines.get()
    url = reverse("admin:inventory_purchaseorder_change", args=[po.pk])
    form = opened_form(manager_client, url)
    purchasing.po_open(po_id=po.pk, actor="buyer")

    response = manager_client.post(
        url,
        {
            **draft_form(level(desk).pk, "500", days(5).isoformat()),
            "status_seen": form["status_seen"],
            "supplier": "Someone else",
            "lines-INITIAL_FORMS": "1",
            "lines-0-id": str(line.pk),
            "lines-0-po": str(po.pk),
        },
    )

    assert form["status_seen"] == "draft"
    assert response.status_code == 302
    po.refresh_from_db()
    assert (po.supplier, po.lines.get().quantity) == ("", 3)
