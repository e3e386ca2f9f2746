"""Decision on `lot.transformed`: inputs consumed, outputs created with the inputs' class, origins and premium."""

from __future__ import annotations

from events.custody import findings
from events.custody.checks import custody, gold
from events.custody.composition import apportion, merge
from events.custody.lots import Lot, LotClass, replaced
from events.custody.outcome import Change, Decision, Finding, PutLot
from events.custody.policy import Policy
from events.custody.state import State
from events.model.envelope import LotTransformedEvent
from events.model.types import fine_mass_mg


def lot_transformed(state: State, event: LotTransformedEvent, signer: str, policy: Policy) -> Decision:
    """Consume every input (all held by the signer, one class) and create the outputs within the gold balance."""
    data = event.data
    inputs = [custody.require_custody(state.lots, lot, signer) for lot in data.inputs]
    for output in data.outputs:
        custody.require_new_lot(state.lots, output.lot)
    lot_class = gold.require_one_class(inputs)
    fine_in = sum(lot.fine_mg for lot in inputs)
    outputs_fine = [fine_mass_mg(output.mass_mg, output.fineness) for output in data.outputs]
    fine_out = sum(outputs_fine)
    gold.require_no_gain(fine_in, fine_out, policy)
    ceiling_in = sum(lot.ceiling_mg for lot in inputs)
    gold.require_within_ceilings(ceiling_in, fine_out)
    flagged: list[Finding] = []
    loss = findings.transformation_loss(event.id, fine_in, fine_out, policy)
    if loss is not None:
        flagged.append(loss)
    changes: list[Change] = [PutLot(replaced(lot, status="consumed")) for lot in inputs]
    changes.extend(PutLot(lot) for lot in output_lots(event, signer, inputs, lot_class, outputs_fine))
    return changes, flagged


def output_lots(
    event: LotTransformedEvent, signer: str, inputs: list[Lot], lot_class: LotClass, outputs_fine: list[int]
) -> list[Lot]:
    """The new lots: merged composition, ceilings and premium split in proportion to each output's fine gold."""
    composition = merge([(lot.composition, lot.fine_mg) for lot in inputs])
    certificates = tuple(sorted({c for lot in inputs for c in lot.certificates}))
    basis = outputs_fine if any(outputs_fine) else [output.mass_mg for output in event.data.outputs]
    ceilings = apportion(sum(lot.ceiling_mg for lot in inputs), basis)
    paid = apportion(sum(lot.premium_paid_cents for lot in inputs), basis)
    due = apportion(sum(lot.premium_due_cents for lot in inputs), basis)
    pending = all(lot.first_sale_pending for lot in inputs)
    return [
        Lot(
            lot=output.lot,
            lot_class=lot_class,
            status="held",
            custodian=signer,
            mass_mg=output.mass_mg,
            fineness=output.fineness,
            fine_mg=fine,
            ceiling_mg=ceiling,
            composition=composition,
            certificates=certificates,
            premium_paid_cents=paid_cents,
            premium_due_cents=due_cents,
            first_sale_pending=pending,
            created_by=event.id,
        )
        for output, fine, ceiling, paid_cents, due_cents in zip(
            event.data.outputs, outputs_fine, ceilings, paid, due, strict=True
        )
    ]
