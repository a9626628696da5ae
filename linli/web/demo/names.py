"""Names for the fictional demo district: streets, communities, police-room brands, departments,
organisations and people. Invented; any likeness to a real place or person is chance."""

from __future__ import annotations

import random

STREETS = ["锦湖街道", "禾丰街道", "清溪街道", "望梅街道", "新塘街道", "柳荫街道"]

_COMMUNITY_FIRST = list("锦秀禾梅清兰桂竹柳桃荷菱芦湖溪塘桥港枫松杏樱桑茶稻麦鹤鹭凤雁翠碧")
_COMMUNITY_SECOND = ["苑", "园", "庭", "湾", "里", "坊", "城", "岸", "洲", "源", "汇", "新村"]

_BRAND_FIRST = [
    "红船",
    "枫桥",
    "老娘舅",
    "邻里和",
    "平安",
    "暖心",
    "银发",
    "护苗",
    "智慧",
    "书香",
    "水乡",
    "渔歌",
    "桑梓",
    "枕水",
    "石桥",
    "茶香",
    "稻香",
    "同心",
    "连心",
    "和美",
    "乡贤",
    "清风",
    "明月",
    "烟雨",
    "禾韵",
    "春风",
    "阳光",
    "睦邻",
    "守望",
    "小巷",
]
_BRAND_SECOND = {
    "调解": "以人民调解为抓手，老党员、老娘舅坐堂，矛盾纠纷不出社区",
    "驿站": "便民服务驿站，证照咨询、失物招领、应急充电一站办",
    "护航": "守护校园周边，上下学高峰护学岗常态化",
    "守望": "发动楼道长与志愿者，群防群治、邻里守望",
    "说事": "每周固定“说事日”，居民议事、民警听事、部门办事",
    "课堂": "反诈、消防、交通安全微课堂走进楼道",
    "管家": "出租房屋与新居民服务管理，一户一档",
    "之家": "新居民服务之家，办证、就业、子女入学指引",
    "哨兵": "夜间巡逻与视频巡查结合，治安乱点动态清零",
    "e站": "线上警务e站，线索上报与预约办事掌上可办",
    "议事厅": "警民议事厅，重点难点问题民主协商",
    "工作室": "社区民警个人品牌工作室，专群结合、警格网格融合",
}

DEPARTMENTS = [
    "住房和城乡建设局",
    "综合行政执法局",
    "市场监督管理局",
    "民政局",
    "教育局",
    "卫生健康局",
    "人力资源和社会保障局",
    "生态环境分局",
    "应急管理局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "文化和广电旅游体育局",
    "司法局",
    "信访局",
    "医疗保障分局",
    "自然资源和规划分局",
    "退役军人事务局",
    "商务局",
    "消防救援大队",
    "残疾人联合会",
    "妇女联合会",
    "数据资源管理局",
    "税务局",
]

# The departments above that the case categories name (categories.json "departments").
DEPARTMENT_KEYS = {
    "住房和城乡建设局": "housing_construction",
    "综合行政执法局": "urban_management",
    "市场监督管理局": "market_regulation",
    "民政局": "civil_affairs",
    "人力资源和社会保障局": "human_resources",
    "生态环境分局": "ecology_environment",
    "司法局": "justice",
    "消防救援大队": "fire_rescue",
}

ORGANISATION_KINDS = [
    "志愿服务队",
    "老年协会",
    "文体团队",
    "慈善互助会",
    "心理服务工作室",
    "青少年成长驿站",
    "平安巡防队",
    "邻里互助会",
    "读书会",
    "书画社",
    "法律服务站",
    "新居民联谊会",
]

TRAFFIC_SQUADS = ["城区中队", "清溪中队", "望梅中队", "新塘中队", "柳荫中队"]

_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "杜叶程魏苏吕丁沈任姚卢钟姜崔谭陆范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷黎史"
    "龙陶贺顾毛郝龚邵万钱严覃武戴莫孔"
)
_GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玉兰萍红玲志强晓东"
    "海燕春梅丹宁健斌浩宇欣怡子涵嘉琪思远佳慧俊杰雨婷"
)


def street_names() -> list[str]:
    return list(STREETS)


def community_names(rng: random.Random, count: int) -> list[str]:
    combos = [a + b for a in _COMMUNITY_FIRST for b in _COMMUNITY_SECOND]
    return [f"{name}社区" for name in rng.sample(combos, count)]


def brands(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` distinct (brand, theme) pairs; consecutive rooms rarely share a first word."""
    pairs = [(a, b) for a in _BRAND_FIRST for b in _BRAND_SECOND]
    chosen = rng.sample(pairs, count)
    return [(f"{a}{b}", f"“{a}{b}”：{_BRAND_SECOND[b]}。") for a, b in chosen]


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given
