"""TMF620 over the versioned catalogue, against real PostgreSQL: the sample catalogue as TM Forum
resources (ids are catalogue codes), filters, fields=, the category tree, the catalog, 404s."""

from __future__ import annotations

import httpx

API = "/tmf-api/productCatalogManagement/v4"


async def test_sample_offerings_read_as_product_offerings(api: httpx.AsyncClient) -> None:
    listed = await api.get(f"{API}/productOffering", params={"lifecycleStatus": "Active"})
    assert listed.status_code == 200, listed.text
    offerings = {o["id"]: o for o in listed.json()}
    assert listed.headers["X-Total-Count"] == str(len(offerings))
    fiber = offerings["fiber-optic"]
    assert fiber["name"] == "Fiber optic internet"
    assert fiber["href"] == f"{API}/productOffering/fiber-optic"
    assert fiber["productSpecification"]["id"] == "fiber-access"
    assert fiber["isSellable"] is True
    assert all("productSpecification" in o for o in offerings.values() if not o["isBundle"])

    # Its prices, and the same one by id.
    price_ids = [p["id"] for p in fiber["productOfferingPrice"]]
    assert price_ids
    price = (await api.get(f"{API}/productOfferingPrice/{price_ids[0]}")).json()
    assert price["productOffering"]["id"] == "fiber-optic"
    assert isinstance(price["priceType"], str)

    read = await api.get(f"{API}/productOffering/fiber-optic", params={"fields": "name"})
    assert read.json() == {
        "id": "fiber-optic",
        "href": fiber["href"],
        "@type": "ProductOffering",
        "name": fiber["name"],
    }
    by_update = (
        await api.get(f"{API}/productOffering", params={"lastUpdate": fiber["lastUpdate"], "id": "fiber-optic"})
    ).json()
    assert [o["id"] for o in by_update] == ["fiber-optic"]


async def test_categories_specifications_and_the_catalog(api: httpx.AsyncClient) -> None:
    categories = {c["id"]: c for c in (await api.get(f"{API}/category")).json()}
    assert categories["phone"]["isRoot"] is True
    assert categories["phone-extras"]["parentId"] == "phone"
    assert "phone-extras" in [c["id"] for c in categories["phone"]["subCategory"]]
    specs = (await api.get(f"{API}/productSpecification", params={"id": "fiber-access"})).json()
    assert [s["id"] for s in specs] == ["fiber-access"]
    catalog = (await api.get(f"{API}/catalog/accord")).json()
    assert catalog["lifecycleStatus"] == "Active"
    assert "phone" in [c["id"] for c in catalog["category"]]


async def test_unknown_ids_are_404(api: httpx.AsyncClient) -> None:
    for resource in ("productOffering", "productOfferingPrice", "productSpecification", "category", "catalog"):
        response = await api.get(f"{API}/{resource}/279edf2b-0130-4c8f-8277-f81daa05d87d")
        assert response.status_code == 404, (resource, response.text)
