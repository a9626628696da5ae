"""Keyword rules: the configurable keywords of categories.json and the emergency rule set.

The emergency rules err on the side of caution: a false alarm costs an officer a look, a missed
one can cost a life. Negation is handled only for a few phrasings that are unambiguous
("没人受伤", "万一着火"); anything subtler is left to recall. "是不是着火了" must still alarm,
which is why "不是着火" is deliberately *not* treated as a negation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from linli.cases.triage.catalogue import Catalogue

MAX_CHARS = 4000
_SPACES = re.compile(r"\s+")
_MEANINGFUL = re.compile(r"[\u3400-\u9fff]|[a-z]{2,}")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, one space between words, at most MAX_CHARS."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS]
    return _SPACES.sub(" ", text).strip().lower()


def is_meaningful(normalised: str) -> bool:
    """At least two Chinese characters or one Latin word: something a person could read."""
    return len(_MEANINGFUL.findall(normalised)) >= 2 or bool(re.search(r"[a-z]{3,}", normalised))


@dataclass(frozen=True)
class EmergencyRule:
    category: str
    pattern: re.Pattern[str]


def _rule(category: str, *alternatives: str) -> EmergencyRule:
    return EmergencyRule(category, re.compile("|".join(f"(?:{a})" for a in alternatives)))


_CHILD = r"(?:孩子|小孩|女儿|儿子|宝宝|娃|闺女|小朋友)"
_WEAPON = r"(?:刀|菜刀|钢管|棍子|砖头|铁棍|斧头|枪)"

EMERGENCY_RULES: tuple[EmergencyRule, ...] = (
    _rule(
        "emergency.violence",
        r"正在打|在打人|打人了|打起来了|见人就打|动手了|往死里打|在打我|要打我|打死",
        rf"动刀|拿(?:着)?{_WEAPON}|持{_WEAPON}|砍人|砍死|捅人|捅了|杀人|杀了|弄死",
        r"救命|抢劫|抢包|抢(?:了|走)(?!.{0,3}红包).{0,6}包|绑架|劫持|家暴|踹门|砸门",
        r"\b(?:beating|stabb\w*|knife|gun|attacking|robb\w*|kill)\b",
    ),
    _rule(
        "emergency.fire",
        r"着火|起火|失火|火灾|烧起来|着起来|燃起来|自燃|冒(?:黑|白)?烟|浓烟|全是烟|都是烟",
        r"火苗|火光|火好大|火很大|火势|火往上窜|窜火|烧着了|着了火|爆炸|焦糊味",
        r"(?:衣服|被子|窗帘|油锅|锅|车|房子|屋子|屋里).{0,3}着了",
        r"\bfire\b(?!\s*(?:exits?|extinguishers?|escapes?|doors?|hydrants?|safety|hazards?|lanes?"
        r"|drills?))|\bsmoke\b(?!\s*detectors?)|\bflames?\b|\bburning\b|\bexplosion\b",
    ),
    _rule(
        "emergency.gas_leak",
        r"(?:煤气|燃气|天然气|液化气).{0,12}(?:味|泄漏|泄露|中毒|裂|断|破|漏|嘶嘶|冒气)",
        r"(?:毒气|化学品)泄[漏露]|漏气|一氧化碳",
        r"\bgas leak|\bsmell\w*\s+(?:of\s+)?gas\b",
    ),
    _rule(
        "emergency.medical",
        r"晕倒|晕过去|昏倒|昏迷|昏过去|昏昏沉沉|叫不醒|不省人事|人没(?:有)?反应|没(?:有)?意识|没(?:有)?呼吸",
        r"喘不(?:上|过)气|呼吸困难|噎住|噎着|窒息|抽搐|口吐白沫|骨折",
        r"流血|出血|血流|血止不住|吐血|(?:满脸|满头|一身|全身|地上|一地)(?:都)?是血",
        r"摔下来|摔倒.{0,4}起不来|倒(?:在)?地(?!铁)|躺(?:在)?地上|一动不动|快不行了",
        r"心脏病|心梗|中风|脑溢血|胸口疼|胸痛|误吃|误服|中毒|触电|被车(?:撞|压|碾)|撞倒",
        r"受伤|受了伤|伤得|重伤|救护车",
        r"\b(?:faint\w*|unconscious|not breathing|can'?t breathe|bleeding|chest pain"
        r"|heart attack|seizure|ambulance|injured|overdose|collapsed)\b",
    ),
    _rule(
        "emergency.person_in_danger",
        r"跳楼|要跳(?!绳|舞)|想跳(?!绳|舞)|跳下去|跳河|跳江|跳湖|落水|溺水|掉(?:进|到)?(?:河|水|江|湖)里",
        r"轻生|自杀|不想活|寻死|割腕|喝农药|服毒|安眠药|上吊",
        r"站在(?:楼顶|天台|窗台|阳台|栏杆)|(?:天台|楼顶|窗台|楼边|桥边|桥上).{0,6}(?:坐|站|爬)",
        r"栏杆外|爬到.{0,3}外面|被困(?!扰)|困在|困住|困人",
        r"\bjump\w*\b|\bsuicid\w*|\bdrown\w*|\btrapped\b|\bfell into\b",
    ),
    _rule(
        "emergency.missing_child",
        rf"{_CHILD}.{{0,24}}(?:不见了|找不到|走丢|丢了|抱走|带走|拐走|人就没了)|人贩子|拐卖",
        r"\b(?:child|kid|son|daughter|baby|boy|girl)\b.{0,30}\b(?:missing|lost|taken)\b",
    ),
)

# Phrases that take the alarm word out of an otherwise alarming sentence. Each is replaced by
# a space before the emergency rules run. Only unambiguous phrasings belong here.
_DEFUSED = re.compile(
    "|".join(
        (
            r"(?:万一|要是|如果|一旦|假如|容易|很容易|怕|担心|防止|预防|避免)(?:会)?(?:着火|起火|失火|火灾)",
            r"火灾隐患",
            r"(?:没|没有|无|未|不会)(?:人员?|什么人)?(?:受伤|伤亡|流血)",
            r"人(?:都)?没(?:什么)?(?:大)?事",
            r"烟囱.{0,6}冒(?:黑|白)?烟",
        )
    )
)


def emergency_hits(normalised: str) -> list[str]:
    """Emergency subcategories whose rules fire, in rule order."""
    text = _DEFUSED.sub(" ", normalised)
    return [rule.category for rule in EMERGENCY_RULES if rule.pattern.search(text)]


def keyword_hits(normalised: str, catalogue: Catalogue) -> dict[str, int]:
    """For each category, how many of its configured keywords the text contains. Chinese
    keywords match anywhere; Latin ones only at the start of a word, so that "stall" does not
    match "install" while "harass" still matches "harassed"."""
    found: dict[tuple[int, str], int] = {}  # (place in the catalogue, code) -> count
    keywords = catalogue.keyword_index
    for first in set(normalised):
        for place, code, keyword, latin in keywords.get(first, ()):
            if _word_start(keyword).search(normalised) if latin else keyword in normalised:
                found[place, code] = found.get((place, code), 0) + 1
    return {code: found[place, code] for place, code in sorted(found)}  # in catalogue order


@cache
def _word_start(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(keyword)}")
