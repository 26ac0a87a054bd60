"""TM Forum Open API facades (TMF629 Customer, TMF666 Account, TMF637 Product Inventory): the pure
rules — conventions (fields=, filters, paging) and the mapping between Accord and TMF resources."""
