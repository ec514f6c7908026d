"""Synthetic enterprise names in the masked style of the real data ('***科技有限公司')."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .strings import digit_strings

# Business keywords per industry, as they appear in the real (masked) names.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "construction": ("建设工程", "建筑工程", "建筑劳务", "装饰工程", "钢结构工程", "消防工程", "市政工程"),
    "manufacturing": ("机械制造", "电子", "鞋业", "塑料制品", "包装", "机电设备", "控制设备", "五金制品"),
    "technology": ("科技", "信息技术", "网络科技", "新技术开发", "软件", "智能科技", "电子科技"),
    "trade": ("商贸", "贸易", "建材", "物资", "电器销售", "供应链管理", "五金经营部", "通讯器材经营部"),
    "transport_logistics": ("物流", "运输", "货运代理", "汽车运输", "快递服务"),
    "catering": ("餐饮管理", "饮食服务", "酒楼", "食品"),
    "tourism_hospitality": ("旅行社", "酒店管理", "旅游开发", "宾馆"),
    "medical_pharma": ("大药房", "医疗器械", "医药", "生物科技", "诊所"),
    "online_services": ("电子商务", "网络服务", "互联网科技", "信息服务"),
    "culture_media": ("文化传媒", "文化传播", "广告传媒", "陈列广告", "广告", "影视"),
    "business_services": ("财税咨询服务", "人力资源管理咨询", "工程造价咨询", "企业管理咨询", "劳务", "财务管理", "机械租赁"),
    "property_services": ("物业管理", "房地产经纪", "置业", "房地产开发"),
    "agriculture": ("农业科技", "农业开发", "种植专业合作社", "养殖", "林业"),
    "energy_environment": ("环保科技", "新能源", "能源", "节能科技", "环境工程"),
    "unknown": ("实业", "发展", "投资", "控股"),
}
SUFFIXES = ("有限公司", "有限责任公司", "有限公司***分公司")
SUFFIX_CUM = np.array([0.72, 0.95, 1.0])


def enterprise_names(rng: np.random.Generator, industry_codes: list[str], industry: np.ndarray) -> pa.Array:
    """One masked name per enterprise; sole proprietors get '个体经营E<n>' like the real data."""
    n = len(industry)
    flat: list[str] = []
    start = np.zeros(len(industry_codes), dtype=np.int64)
    size = np.zeros(len(industry_codes), dtype=np.int64)
    for k, code in enumerate(industry_codes):  # loop over ~16 industries, not rows
        words = KEYWORDS.get(code, KEYWORDS["unknown"])
        start[k], size[k] = len(flat), len(words)
        flat.extend(words)
    pick = start[industry] + np.floor(rng.random(n) * size[industry]).astype(np.int64)
    suffix = np.minimum(np.searchsorted(SUFFIX_CUM, rng.random(n), side="right"), len(SUFFIXES) - 1)
    company = pc.binary_join_element_wise(
        "***", pa.array(flat).take(pa.array(pick)), pa.array(SUFFIXES).take(pa.array(suffix)), "")
    sole_code = industry_codes.index("sole_proprietor") if "sole_proprietor" in industry_codes else -1
    sole = digit_strings("个体经营E", np.arange(1, n + 1), 1)
    return pc.if_else(pa.array(industry == sole_code), sole, company)
