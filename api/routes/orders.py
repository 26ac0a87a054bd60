from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from accord.config import Settings
from accord.schemas.common import Page
from accord.schemas.orders import OrderRequest, OrderState, OrderView
from accord.services import orders
from accord.services.orders import OrderRow
from accord.temporal import workflow_url
from api.deps import EngineDep, PrincipalDep, SessionDep, SettingsDep, TemporalDep
from api.paging import Limit, Offset

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


def order_view(order: OrderRow, settings: Settings) -> OrderView:
    return OrderView(
        order_ref=order.order_ref,
        state=order.state,
        failure_reason=order.failure_reason,
        customer_id=order.customer_id,
        agreement_id=order.agreement_id,
        subscription_ids=order.subscription_ids,
        workflow_id=order.workflow_id,
        workflow_url=workflow_url(settings, order.workflow_id),
        links={
            "self": f"/api/v1/orders/{order.order_ref}",
            **({"customer": f"/api/v1/customers/{order.customer_id}"} if order.customer_id else {}),
            **({"agreement": f"/api/v1/agreements/{order.agreement_id}"} if order.agreement_id else {}),
        },
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OrderView,
    responses={200: {"description": "the same order was placed before: its current state"}},
)
async def place_order(
    body: OrderRequest,
    response: Response,
    engine: EngineDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> OrderView:
    """Validate the whole order, record it, and start its Onboarding workflow (202). Placing the same
    orderRef with the same body again answers 200 with the order as it stands; another body is a 409."""
    order, created = await orders.place_order(
        engine, temporal, request=body, principal=principal, task_queue=settings.task_queue
    )
    response.status_code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/orders/{order.order_ref}"
    return order_view(order, settings)


@router.get("", response_model=Page[OrderView])
async def list_orders(
    session: SessionDep,
    settings: SettingsDep,
    state: Annotated[OrderState | None, Query(description="only orders in this state")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrderView]:
    """Orders, oldest first: e.g. `?state=failed` for those that failed, with why, or `?state=received`
    for those recorded but not yet started."""
    rows, total = await orders.list_orders(session, state=state, limit=limit, offset=offset)
    return Page[OrderView](items=[order_view(r, settings) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{orderRef}", response_model=OrderView)
async def get_order(
    order_ref: Annotated[str, Path(alias="orderRef")], session: SessionDep, settings: SettingsDep
) -> OrderView:
    return order_view(await orders.get_order(session, order_ref), settings)
