"""The demo shop's world: category tree, brands, colours and the words products are made of.

Pure data, no I/O. Demo and scale seeding both draw from it, so a generated catalog always
lands in the same categories and brands as the demo one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.models.catalog import AttributeType


@dataclass(frozen=True, slots=True)
class OptionValue:
    label: str  # shown to shoppers: "M", "Forest Green", "750 ml"
    code: str  # used in SKUs: "M", "GRN", "750ML"


@dataclass(frozen=True, slots=True)
class Axis:
    """One variant dimension. Ordered axes (sizes) take a contiguous window and may cost more
    further along; unordered ones (colours) take a sample."""

    name: str
    values: tuple[OptionValue, ...]
    ordered: bool = True
    step_amount: int = 0  # minor units added per position along an ordered axis


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    name: str
    type: AttributeType
    choices: tuple[str, ...] = ()  # TEXT
    low: int = 0  # NUMBER, inclusive
    high: int = 0
    step: int = 1
    true_share: int = 50  # BOOLEAN: percent of products where it is true


@dataclass(frozen=True, slots=True)
class Material:
    value: str  # the `material` attribute: "merino wool"
    word: str  # how it reads in a name: "Merino"


@dataclass(frozen=True, slots=True)
class TopCategory:
    slug: str
    name: str
    description: str
    care: tuple[str, ...]  # closing sentences for descriptions


@dataclass(frozen=True, slots=True)
class LeafCategory:
    slug: str
    name: str
    parent: str
    code: str  # three letters, the start of every demo SKU in this category
    description: str
    nouns: tuple[str, ...]
    materials: tuple[Material, ...]
    features: tuple[str, ...]
    price_low: int  # whole dollars; prices end in .99
    price_high: int
    axes: tuple[Axis, ...]
    attributes: tuple[AttributeSpec, ...]
    palette: tuple[str, ...] = field(default=())  # card colours when no colour axis


def _colors(*names: str) -> tuple[OptionValue, ...]:
    return tuple(OptionValue(name, COLOR_CODES[name]) for name in names)


def _values(*pairs: tuple[str, str]) -> tuple[OptionValue, ...]:
    return tuple(OptionValue(label, code) for label, code in pairs)


COLOR_CODES = {
    "Black": "BLK",
    "White": "WHT",
    "Navy": "NVY",
    "Red": "RED",
    "Forest Green": "GRN",
    "Heather Grey": "GRY",
    "Sky Blue": "BLU",
    "Olive": "OLV",
    "Sand": "SND",
    "Mustard": "MUS",
    "Rust": "RST",
    "Charcoal": "CHR",
    "Brass": "BRS",
    "Copper": "COP",
    "Matte Black": "MBK",
    "Oak": "OAK",
}

# Card colours for SVG images, keyed by colour label; products without a colour use the palette.
COLOR_HEX = {
    "Black": "#22252b",
    "White": "#e9e6df",
    "Navy": "#1f3a5f",
    "Red": "#b3322c",
    "Forest Green": "#2f5d46",
    "Heather Grey": "#8a8f98",
    "Sky Blue": "#6fa8dc",
    "Olive": "#6b7042",
    "Sand": "#d8c3a0",
    "Mustard": "#d4a72c",
    "Rust": "#a4502a",
    "Charcoal": "#3b3f46",
    "Brass": "#b59a4c",
    "Copper": "#b8734a",
    "Matte Black": "#2b2b2b",
    "Oak": "#a67c52",
}

APPAREL_SIZES = _values(("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"))
SHOE_SIZES = _values(*((f"EU {n}", str(n)) for n in range(38, 46)))
WASHABLE = AttributeSpec("machine_washable", AttributeType.BOOLEAN, true_share=85)
WATERPROOF = AttributeSpec("waterproof", AttributeType.BOOLEAN, true_share=40)

TOP_CATEGORIES: tuple[TopCategory, ...] = (
    TopCategory(
        "apparel",
        "Apparel",
        "Everyday clothing built to be worn often and kept for years.",
        (
            "Wash cold and hang to dry to keep its shape.",
            "Machine wash cold with similar colours.",
            "Pre-shrunk, so it fits the same after the first wash.",
        ),
    ),
    TopCategory(
        "footwear",
        "Footwear",
        "Shoes and boots for city streets and muddy trails.",
        (
            "Brush off dirt after wear and let it air dry away from heat.",
            "Comes with a spare pair of laces.",
            "Resoleable by any good cobbler.",
        ),
    ),
    TopCategory(
        "home",
        "Home",
        "Things that make a home work better and feel calmer.",
        (
            "Backed by a two-year warranty.",
            "Ships in plastic-free packaging.",
            "Designed to be repaired rather than replaced.",
        ),
    ),
    TopCategory(
        "outdoor",
        "Outdoor",
        "Gear for day hikes, long weekends and everything in between.",
        (
            "Field-tested through a full season before release.",
            "Covered by a lifetime repair promise.",
            "Packs down small between trips.",
        ),
    ),
    TopCategory(
        "electronics",
        "Electronics",
        "Small electronics that just work, with honest specifications.",
        (
            "Includes a one-metre braided cable.",
            "Covered by a two-year warranty.",
            "Certified for safe charging of phones, tablets and laptops.",
        ),
    ),
    TopCategory(
        "stationery",
        "Stationery",
        "Paper and pens for lists, sketches and long letters.",
        (
            "Acid-free paper that will not yellow.",
            "Made in a small workshop in Portugal.",
            "Refills are sold separately.",
        ),
    ),
)

LEAF_CATEGORIES: tuple[LeafCategory, ...] = (
    LeafCategory(
        "t-shirts",
        "T-shirts",
        "apparel",
        "TSH",
        "Soft, breathable tees in cuts for every shape.",
        ("Tee", "Crew Tee", "Pocket Tee", "V-Neck Tee", "Long Sleeve Tee"),
        (
            Material("organic cotton", "Organic Cotton"),
            Material("cotton", "Cotton"),
            Material("linen blend", "Linen"),
            Material("merino wool", "Merino"),
            Material("recycled polyester", "Recycled"),
        ),
        ("cut slightly longer in the back", "finished with flat seams", "garment dyed for depth"),
        15,
        45,
        (
            Axis("size", APPAREL_SIZES),
            Axis(
                "color",
                _colors("Black", "White", "Navy", "Heather Grey", "Olive", "Rust"),
                ordered=False,
            ),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=140, high=240, step=10),
            WASHABLE,
        ),
    ),
    LeafCategory(
        "hoodies",
        "Hoodies",
        "apparel",
        "HOD",
        "Heavyweight hoodies and sweatshirts for cold mornings.",
        ("Hoodie", "Zip Hoodie", "Pullover Hoodie", "Crewneck Sweatshirt"),
        (
            Material("organic cotton", "Organic Cotton"),
            Material("brushed fleece", "Fleece"),
            Material("merino wool", "Merino"),
            Material("loopback cotton", "Loopback"),
        ),
        (
            "lined with a soft brushed back",
            "fitted with a double-layer hood",
            "ribbed at the cuffs",
        ),
        45,
        110,
        (
            Axis("size", APPAREL_SIZES),
            Axis(
                "color",
                _colors("Black", "Charcoal", "Navy", "Forest Green", "Sand", "Mustard"),
                ordered=False,
            ),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=380, high=720, step=20),
            WASHABLE,
        ),
    ),
    LeafCategory(
        "jackets",
        "Jackets",
        "apparel",
        "JKT",
        "Shells, parkas and light layers for changeable weather.",
        ("Rain Jacket", "Parka", "Shell Jacket", "Insulated Jacket", "Windbreaker"),
        (
            Material("recycled nylon", "Recycled Nylon"),
            Material("waxed cotton", "Waxed Cotton"),
            Material("ripstop polyester", "Ripstop"),
            Material("down", "Down"),
        ),
        ("sealed at every seam", "cut to layer over a fleece", "finished with a storm flap"),
        79,
        249,
        (
            Axis("size", APPAREL_SIZES),
            Axis(
                "color", _colors("Black", "Navy", "Olive", "Red", "Mustard", "Sand"), ordered=False
            ),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=280, high=1200, step=20),
            WATERPROOF,
        ),
    ),
    LeafCategory(
        "socks",
        "Socks",
        "apparel",
        "SCK",
        "Cushioned socks for hiking, running and lazy Sundays.",
        ("Crew Socks", "Hiking Socks", "Ankle Socks", "Running Socks"),
        (
            Material("merino wool", "Merino"),
            Material("bamboo viscose", "Bamboo"),
            Material("organic cotton", "Cotton"),
        ),
        ("cushioned under the heel and toe", "knit with a seamless toe", "reinforced at the heel"),
        5,
        24,
        (
            Axis("size", _values(("S", "S"), ("M", "M"), ("L", "L"))),
            Axis(
                "color",
                _colors("Black", "Heather Grey", "Navy", "Mustard", "Forest Green"),
                ordered=False,
            ),
        ),
        (AttributeSpec("weight_g", AttributeType.NUMBER, low=40, high=90, step=5), WASHABLE),
    ),
    LeafCategory(
        "sneakers",
        "Sneakers",
        "footwear",
        "SNK",
        "Everyday sneakers with proper arch support.",
        ("Sneaker", "Court Sneaker", "Runner", "Canvas Low", "Trainer"),
        (
            Material("canvas", "Canvas"),
            Material("leather", "Leather"),
            Material("recycled knit", "Knit"),
            Material("suede", "Suede"),
        ),
        ("set on a natural rubber sole", "cushioned with a removable insole", "stitched by hand"),
        59,
        179,
        (Axis("size", SHOE_SIZES), Axis("color", _colors("White", "Black", "Navy", "Sand"), False)),
        (AttributeSpec("weight_g", AttributeType.NUMBER, low=520, high=900, step=20), WATERPROOF),
    ),
    LeafCategory(
        "boots",
        "Boots",
        "footwear",
        "BOT",
        "Boots that break in, not down.",
        ("Chelsea Boot", "Hiking Boot", "Work Boot", "Chukka Boot", "Rain Boot"),
        (
            Material("full-grain leather", "Leather"),
            Material("suede", "Suede"),
            Material("natural rubber", "Rubber"),
        ),
        ("built on a Goodyear welt", "lined with breathable mesh", "fitted with a steel shank"),
        99,
        249,
        (Axis("size", SHOE_SIZES), Axis("color", _colors("Black", "Oak", "Charcoal"), False)),
        (AttributeSpec("weight_g", AttributeType.NUMBER, low=900, high=1800, step=50), WATERPROOF),
    ),
    LeafCategory(
        "kitchen",
        "Kitchen",
        "home",
        "KIT",
        "Cookware and tools that earn their place on the counter.",
        ("Skillet", "Chef's Knife", "Cutting Board", "Saucepan", "Pour-Over Set", "Mixing Bowl"),
        (
            Material("cast iron", "Cast Iron"),
            Material("stainless steel", "Steel"),
            Material("walnut", "Walnut"),
            Material("stoneware", "Stoneware"),
            Material("carbon steel", "Carbon Steel"),
        ),
        ("balanced for long prep sessions", "oven-safe to 260 °C", "finished by hand"),
        12,
        189,
        (Axis("size", _values(("Small", "S"), ("Medium", "M"), ("Large", "L")), step_amount=1000),),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=200, high=3200, step=50),
            AttributeSpec("dishwasher_safe", AttributeType.BOOLEAN, true_share=55),
        ),
        ("#5b6770", "#a4502a", "#2f5d46"),
    ),
    LeafCategory(
        "bedding",
        "Bedding",
        "home",
        "BED",
        "Sheets, duvets and throws for better sleep.",
        ("Sheet Set", "Duvet Cover", "Quilt", "Pillowcase Pair", "Throw Blanket"),
        (
            Material("washed linen", "Linen"),
            Material("percale cotton", "Percale"),
            Material("sateen cotton", "Sateen"),
            Material("wool", "Wool"),
        ),
        ("stone washed for softness", "woven in a 300 thread count", "finished with envelope ends"),
        29,
        189,
        (
            Axis(
                "size",
                _values(("Twin", "TWN"), ("Full", "FUL"), ("Queen", "QN"), ("King", "KG")),
                step_amount=2000,
            ),
            Axis("color", _colors("White", "Sand", "Heather Grey", "Sky Blue"), ordered=False),
        ),
        (AttributeSpec("weight_g", AttributeType.NUMBER, low=600, high=2400, step=50), WASHABLE),
    ),
    LeafCategory(
        "lighting",
        "Lighting",
        "home",
        "LGT",
        "Warm lamps and fixtures for every corner.",
        ("Table Lamp", "Floor Lamp", "Pendant Light", "Desk Lamp", "Wall Sconce"),
        (
            Material("brass", "Brass"),
            Material("ceramic", "Ceramic"),
            Material("oak", "Oak"),
            Material("powder-coated steel", "Steel"),
        ),
        ("dimmable from a touch switch", "fitted with a fabric cord", "takes any E26 bulb"),
        39,
        249,
        (Axis("finish", _colors("Brass", "Copper", "Matte Black", "White", "Oak"), False),),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=800, high=6000, step=100),
            AttributeSpec("wattage_w", AttributeType.NUMBER, low=5, high=60, step=5),
            AttributeSpec("dimmable", AttributeType.BOOLEAN, true_share=60),
        ),
    ),
    LeafCategory(
        "backpacks",
        "Backpacks",
        "outdoor",
        "BPK",
        "Packs for commutes, day hikes and carry-on travel.",
        ("Daypack", "Backpack", "Rolltop Pack", "Travel Pack", "Sling Bag"),
        (
            Material("recycled nylon", "Recycled Nylon"),
            Material("waxed canvas", "Waxed Canvas"),
            Material("ripstop nylon", "Ripstop"),
            Material("sailcloth", "Sailcloth"),
        ),
        ("padded for a 16-inch laptop", "fitted with a sternum strap", "built with YKK zips"),
        39,
        189,
        (
            Axis(
                "capacity",
                _values(("18 L", "18L"), ("24 L", "24L"), ("30 L", "30L")),
                step_amount=1000,
            ),
            Axis("color", _colors("Black", "Olive", "Navy", "Rust", "Sand"), ordered=False),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=450, high=1600, step=50),
            WATERPROOF,
        ),
    ),
    LeafCategory(
        "tents",
        "Tents",
        "outdoor",
        "TNT",
        "Freestanding tents that pitch in minutes.",
        ("Dome Tent", "Backpacking Tent", "Tunnel Tent", "Ultralight Tent"),
        (
            Material("silnylon", "Silnylon"),
            Material("ripstop polyester", "Ripstop"),
            Material("cotton canvas", "Canvas"),
        ),
        ("pitched fly-first in the rain", "vented at both ends", "fitted with two doors"),
        129,
        189,
        (
            Axis(
                "capacity",
                _values(("1 person", "1P"), ("2 person", "2P"), ("3 person", "3P")),
                step_amount=3000,
            ),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=900, high=4200, step=100),
            AttributeSpec("waterproof", AttributeType.BOOLEAN, true_share=100),
            AttributeSpec("season", AttributeType.TEXT, choices=("3-season", "4-season")),
        ),
        ("#2f5d46", "#d4a72c", "#b3322c"),
    ),
    LeafCategory(
        "water-bottles",
        "Water bottles",
        "outdoor",
        "BTL",
        "Insulated bottles that keep drinks cold all day.",
        ("Water Bottle", "Insulated Bottle", "Trail Flask", "Tumbler"),
        (
            Material("stainless steel", "Steel"),
            Material("titanium", "Titanium"),
            Material("Tritan plastic", "Tritan"),
        ),
        ("keeps drinks cold for 24 hours", "fitted with a leak-proof lid", "sized for cup holders"),
        12,
        49,
        (
            Axis(
                "size",
                _values(("500 ml", "500ML"), ("750 ml", "750ML"), ("1 L", "1L")),
                step_amount=300,
            ),
            Axis("color", _colors("Black", "White", "Sky Blue", "Forest Green", "Red"), False),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=150, high=520, step=10),
            AttributeSpec("insulated", AttributeType.BOOLEAN, true_share=70),
        ),
    ),
    LeafCategory(
        "headphones",
        "Headphones",
        "electronics",
        "HPH",
        "Headphones and earbuds tuned for long listening.",
        ("Headphones", "Wireless Earbuds", "Studio Headphones", "Sport Earbuds"),
        (
            Material("aluminium", "Aluminum"),
            Material("recycled plastic", "Eco"),
            Material("walnut", "Walnut"),
        ),
        ("rated for 30 hours of playback", "tuned with a flat response", "paired over Bluetooth"),
        29,
        249,
        (Axis("color", _colors("Black", "White", "Navy", "Sand"), ordered=False),),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=20, high=320, step=5),
            AttributeSpec("battery_hours", AttributeType.NUMBER, low=6, high=40, step=2),
            AttributeSpec("noise_cancelling", AttributeType.BOOLEAN, true_share=45),
        ),
    ),
    LeafCategory(
        "chargers",
        "Chargers",
        "electronics",
        "CHG",
        "Fast chargers and power banks for everything you carry.",
        ("USB-C Charger", "Power Bank", "Wireless Charger", "Charging Dock"),
        (
            Material("aluminium", "Aluminum"),
            Material("recycled plastic", "Eco"),
            Material("gallium nitride", "GaN"),
        ),
        ("charges a laptop at full speed", "folds its plug for travel", "stays cool under load"),
        19,
        99,
        (
            Axis(
                "power",
                _values(("20 W", "20W"), ("45 W", "45W"), ("65 W", "65W"), ("100 W", "100W")),
                step_amount=1000,
            ),
        ),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=40, high=420, step=10),
            AttributeSpec("ports", AttributeType.NUMBER, low=1, high=4),
        ),
        ("#22252b", "#6fa8dc", "#8a8f98"),
    ),
    LeafCategory(
        "notebooks",
        "Notebooks",
        "stationery",
        "NTB",
        "Notebooks with paper that loves fountain pens.",
        ("Notebook", "Journal", "Sketchbook", "Planner", "Field Notes"),
        (
            Material("recycled paper", "Recycled"),
            Material("cotton paper", "Cotton Paper"),
            Material("linen cover", "Linen"),
        ),
        ("lies flat when open", "bound with a thread-sewn spine", "printed with a dot grid"),
        5,
        39,
        (
            Axis("size", _values(("A6", "A6"), ("A5", "A5"), ("A4", "A4")), step_amount=300),
            Axis(
                "ruling",
                _values(("Dot", "DOT"), ("Lined", "LIN"), ("Blank", "BLK")),
                ordered=False,
            ),
        ),
        (
            AttributeSpec("page_count", AttributeType.NUMBER, low=64, high=256, step=32),
            AttributeSpec("paper_gsm", AttributeType.NUMBER, low=80, high=160, step=10),
        ),
        ("#1f3a5f", "#a4502a", "#6b7042"),
    ),
    LeafCategory(
        "pens",
        "Pens",
        "stationery",
        "PEN",
        "Pens for everyday notes and special letters.",
        ("Fountain Pen", "Rollerball", "Gel Pen", "Ballpoint", "Brush Pen"),
        (
            Material("brass", "Brass"),
            Material("aluminium", "Aluminum"),
            Material("resin", "Resin"),
            Material("maple", "Maple"),
        ),
        ("balanced for long writing sessions", "refillable with standard cartridges", "pocketable"),
        5,
        89,
        (Axis("ink", _colors("Black", "Navy", "Red", "Forest Green"), ordered=False),),
        (
            AttributeSpec("weight_g", AttributeType.NUMBER, low=8, high=45),
            AttributeSpec("refillable", AttributeType.BOOLEAN, true_share=75),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class BrandSpec:
    slug: str
    name: str
    groups: tuple[str, ...]  # top-level category slugs the brand sells in


BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec("northwind-outfitters", "Northwind Outfitters", ("apparel", "outdoor")),
    BrandSpec("kestrel-and-co", "Kestrel & Co.", ("apparel", "footwear")),
    BrandSpec("harbor-lane", "Harbor Lane", ("apparel", "home")),
    BrandSpec("fjordline", "Fjordline", ("outdoor", "apparel")),
    BrandSpec("bramble-home", "Bramble Home", ("home",)),
    BrandSpec("copperleaf", "Copperleaf", ("home", "stationery")),
    BrandSpec("tidewater", "Tidewater", ("footwear", "outdoor")),
    BrandSpec("ironbark", "Ironbark", ("footwear", "home")),
    BrandSpec("lumen-works", "Lumen Works", ("electronics", "home")),
    BrandSpec("quill-and-crane", "Quill & Crane", ("stationery",)),
    BrandSpec("summit-supply", "Summit Supply", ("outdoor",)),
    BrandSpec("blue-heron", "Blue Heron", ("apparel", "stationery")),
    BrandSpec("oakridge", "Oakridge", ("home", "footwear")),
    BrandSpec("voltaic", "Voltaic", ("electronics",)),
    BrandSpec("pinecrest", "Pinecrest", ("outdoor", "electronics")),
)

ADJECTIVES: tuple[str, ...] = (
    "Classic",
    "Everyday",
    "Alpine",
    "Urban",
    "Heritage",
    "Coastal",
    "Trail",
    "Summit",
    "Studio",
    "Nordic",
    "Essential",
    "Weekend",
    "Meridian",
    "Cascade",
    "Horizon",
    "Granite",
    "Willow",
    "Cedar",
    "Aurora",
    "Ember",
    "Drift",
    "Field",
    "Metro",
    "Tundra",
)

# Text of the second description sentence, by top-level category.
BENEFITS: dict[str, tuple[str, ...]] = {
    "apparel": (
        "it keeps its shape wash after wash",
        "it feels soft from the first wear",
        "it layers easily under a jacket",
    ),
    "footwear": (
        "it needs almost no breaking in",
        "it grips on wet pavement",
        "it stays comfortable through a long day on your feet",
    ),
    "home": (
        "it is made to last for decades",
        "it looks better the more it is used",
        "it is easy to clean and care for",
    ),
    "outdoor": (
        "it shrugs off rain and rough handling",
        "it saves weight without cutting corners",
        "it sets up and packs away in moments",
    ),
    "electronics": (
        "it works with every USB-C device",
        "it ships with firmware that updates itself",
        "it is built around replaceable parts",
    ),
    "stationery": (
        "it takes ink without feathering",
        "it travels well in a bag or pocket",
        "it makes daily notes a small pleasure",
    ),
}


def top_category(slug: str) -> TopCategory:
    for category in TOP_CATEGORIES:
        if category.slug == slug:
            return category
    raise KeyError(slug)
