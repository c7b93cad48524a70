"""The account part of the storefront: signing in, registering, password reset, and the
signed-in customer's pages under /account (orders, addresses, wishlist, profile, password,
data export, deletion). Wired by `shop.storefront.install` through `router`."""
