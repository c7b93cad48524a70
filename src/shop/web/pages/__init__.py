"""Shared page infrastructure for every server-rendered page (storefront, account, back office).

Web layer only: it never imports a shop feature. What pages use:

- `render(request, "template.html", {...})` (`rendering`): an HTMLResponse in the site layout,
  with the CSRF token, the flash messages and the header data (`PageChrome`) filled in.
- `render_shared(...)` and `personalise(request, body, chrome=..., parts=[...])` (`rendering`):
  a page rendered once for every visitor, with `personal_slot("name")` stand-ins where each
  visitor's own parts go (templates show them where `shared_page` is true; the layout's
  account links and flash region are such parts, and the CSRF token always is), then filled in
  per request. The storefront keeps such pages in the catalog cache (`storefront.shared_pages`).
- `add_template_directory(path)` (`rendering`): make a package's templates loadable; templates
  extend `"layout.html"` and fill `{% block title %}` and `{% block content %}`.
- `csrf_field()` in templates (a hidden input), `CsrfProtected` (`csrf`): the dependency every
  router with POST forms declares; htmx sends the token as the `X-CSRF-Token` header.
- `flash(response, "Saved", kind="success")` (`flash`): a message shown on the next page
  (post/redirect/get); `render(..., messages=[Flash(...)])` shows one on this page.
- `see_other(url)` (`responses`): the 303 redirect after a successful POST.
- `money` filter: `{{ 1234|money }}` -> `$12.34`; `amount(1234, "cart-total")` macro-like global
  renders `<span data-testid="cart-total" data-amount="1234">$12.34</span>`.
- `set_chrome_provider(app, provider)` (`chrome`): how the storefront tells the layout who is
  signed in, the cart count and the category navigation.
- `install_pages(app, settings)` (`install`): mounts /static and the HTML 404/500 pages (the JSON
  API keeps problem+json).
"""
