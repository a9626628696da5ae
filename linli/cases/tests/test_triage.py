"""Triage: the category tree, the corpus, the rules, the classifier and the training command."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import call_command

from linli.cases.triage import classifier, rules, service
from linli.cases.triage.catalogue import CATEGORIES_FILE, CatalogueError, catalogue, parse
from linli.people.models import Unit

TOP_LEVEL_CODES = {
    "emergency",
    "public_order",
    "fraud",
    "traffic",
    "dispute",
    "labour",
    "municipal",
    "fire_safety",
    "environment",
    "market",
    "help",
    "housing_population",
    "consult",
}

# Written for this test, deliberately absent from the corpus: (text, expected top-level code).
FRESH_SENTENCES = [
    ("我停在小区门口的电动车电瓶昨天晚上又被人偷走了", "public_order"),
    ("最近半夜总有人在我们楼下晃来晃去 往车里看 怀疑是小偷", "public_order"),
    ("小区后门的麻将馆天天赌钱 一晚上输赢上万", "public_order"),
    ("有人打电话自称是公安局的 说我的银行卡涉嫌洗钱 要转到安全账户", "fraud"),
    ("网上刷单说好返佣金 我垫付了六千块现在提不了现", "fraud"),
    ("有辆车停在我家车库门口 打电话不接 我出不去了", "traffic"),
    ("路口的红绿灯坏了一整天了 一直闪黄灯", "traffic"),
    ("楼上邻居每天夜里十二点还在拖桌子跺脚 吵得没法睡", "dispute"),
    ("房东不退押金 说我把墙弄脏了", "dispute"),
    ("物业费交了 电梯坏了半个月还没修", "dispute"),
    ("工地老板欠了我们三个月工钱 现在电话也不接了", "labour"),
    ("公司一直不给我们交社保 也不签合同", "labour"),
    ("我家楼下的路灯坏了好几天了 晚上黑乎乎的", "municipal"),
    ("人行道上的井盖丢了 好危险", "municipal"),
    ("小区垃圾好几天没人清运 臭气熏天", "municipal"),
    ("隔壁工地晚上十一点了还在打桩施工", "municipal"),
    ("小区门口一群流浪狗 追着小孩叫", "municipal"),
    ("楼道里好几辆电动车在充电 电线从窗户拉下来的", "fire_safety"),
    ("商场的安全出口被货物堵死了", "fire_safety"),
    ("河里的水发黑发臭 怀疑有工厂偷偷排污", "environment"),
    ("附近工厂的机器整夜轰鸣 吵得睡不着", "environment"),
    ("超市卖的酸奶过期了还在货架上", "market"),
    ("健身房老板跑路了 我办的卡还有两年", "market"),
    ("独居的李大爷好几天没下楼了 敲门也没人应", "help"),
    ("出门忘带钥匙了 被锁在门外面", "help"),
    ("捡到一个钱包 里面有身份证 想还给失主", "help"),
    ("对门出租屋住了十几个人 一间房放好几张上下铺", "housing_population"),
    ("我的房子要出租 出租屋登记去哪里办", "housing_population"),
    ("新生儿上户口要带什么材料", "consult"),
    ("护照过期了 去哪里换新的", "consult"),
    ("居住证到期了怎么续签", "consult"),
    ("身份证掉了 怎么补办", "consult"),
    # harder: near neighbours of other categories, English, no obvious keyword
    ("上周和邻居因为楼道堆东西吵了一架 想找社区调解", "dispute"),
    ("楼上那家每天晚上放音乐到一两点", "dispute"),
    ("晚上十点后隔壁工地还在用电钻切割钢筋", "municipal"),
    ("厂区的冲压机器一直响到半夜 我们小区就在厂旁边", "environment"),
    ("我妈在小区门口听了个讲座 花一万多买了一堆保健品", "fraud"),
    ("外卖吃出头发 吃完还拉肚子", "market"),
    ("my landlord keeps my deposit and won't answer my calls", "dispute"),
    ("the street light outside my building is broken", "municipal"),
    ("someone stole my e-bike battery last night", "public_order"),
    ("how do I get a residence permit as a migrant worker", "consult"),
]

# Written for this test, absent from the corpus: (text, the number the resident must be told).
FRESH_EMERGENCIES = [
    ("快来 楼下饭店着火了 火很大", "119"),
    ("三楼窗户一直往外冒烟 里面好像有人", "119"),
    ("楼道里好大的煤气味 谁家漏气了", "119"),
    ("有个男的拿着刀在超市里追人", "110"),
    ("隔壁男的在打老婆 女的一直喊救命", "110"),
    ("菜场门口两个人打起来了 一个头上全是血", "110"),
    ("公园里有个老人晕倒了 叫不醒", "120"),
    ("我爸突然倒地抽搐 怎么办", "120"),
    ("路口电动车被撞了 人躺在地上流血", "120"),
    ("有个女孩站在天台边上要跳楼", "110"),
    ("小孩掉河里了 快来人", "110"),
    ("我女儿在商场里走丢了 刚才还在身边 六岁", "110"),
    ("my son is missing at the playground, he is four", "110"),
    ("there is a fire in the kitchen of the flat next door", "119"),
    ("an old man collapsed on the street and is not breathing", "120"),
    ("救命 有人抢劫", "110"),
]

GARBAGE = [
    "",
    "   \n\t  ",
    "😀😀😀🙏🙏",
    "。。。！！！？？？",
    "123456789",
    "\x00\x01\x02",
]


def corpus_texts() -> set[str]:
    return {example.text for example in classifier.read_corpus()}


def shipped_json() -> dict:
    return json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))


# --- the category tree -------------------------------------------------------------------


def test_the_shipped_catalogue_has_every_top_level_code_with_three_to_eight_subcategories():
    tree = catalogue()
    assert {c.code for c in tree.top_level()} == TOP_LEVEL_CODES
    for top in TOP_LEVEL_CODES:
        assert 3 <= len(tree.children(top)) <= 8, top


def test_the_subcategories_the_issue_names_exist():
    tree = catalogue()
    for code in ("traffic.illegal_parking", "traffic.zombie_car", "dispute.neighbour_noise"):
        assert code in tree


def test_every_category_is_complete_and_its_open311_code_is_unique():
    tree = catalogue()
    unit_kinds = set(Unit.Kind.values)
    codes = [c.open311_code for c in tree]
    assert len(codes) == len(set(codes))
    for category in tree:
        assert category.name_zh and category.name_en
        assert category.unit_kind in unit_kinds
        assert category.department is None or category.department in tree.departments
        assert list(category.deadlines) == ["community", "street", "district"]
        assert all(days >= 1 for days in category.deadlines.values())
        assert tree.by_open311_code(category.open311_code) == category


def test_emergencies_are_urgent_police_matters_and_tips_about_drugs_and_fraud_are_private():
    tree = catalogue()
    for category in [tree["emergency"], *tree.children("emergency")]:
        assert category.urgent and category.police_matter and category.emergency_numbers
    assert tree["public_order.drugs"].private
    assert all(c.private for c in tree.children("fraud"))
    assert not tree["municipal.street_light"].private
    assert tree["traffic.illegal_parking"].deadlines == {"community": 1, "street": 2, "district": 3}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda doc: doc["categories"].append(copy.deepcopy(doc["categories"][1])), "duplicate"),
        (lambda doc: doc["categories"][1].update(code="nowhere.orphan"), "parent"),
        (lambda doc: doc["categories"][0].pop("name_en"), "missing field"),
        (lambda doc: doc["categories"][0].update(unit_kind="army"), "unit_kind"),
        (lambda doc: doc["categories"][0].update(department="ministry_of_magic"), "department"),
        (lambda doc: doc["categories"][0]["deadlines"].update(street=0), "deadlines.street"),
        (lambda doc: doc["categories"][0].update(police_matter="yes"), "police_matter"),
        (lambda doc: doc["categories"][0].update(emergency_numbers=["911"]), "emergency_numbers"),
    ],
)
def test_an_inconsistent_category_file_is_refused_with_a_message_naming_the_problem(
    mutate, message
):
    document = shipped_json()
    mutate(document)
    with pytest.raises(CatalogueError, match=message):
        parse(document)


def test_every_emergency_rule_points_at_an_emergency_category_of_the_catalogue():
    tree = catalogue()
    for rule in rules.EMERGENCY_RULES:
        assert rule.category in tree
        assert tree[rule.category].top == "emergency"


# --- the corpus ---------------------------------------------------------------------------


def test_every_top_level_category_has_at_least_40_examples_and_every_subcategory_some():
    examples = classifier.read_corpus()
    tree = catalogue()
    assert {e.label for e in examples} <= set(tree.categories)
    for top in TOP_LEVEL_CODES:
        assert sum(e.top == top for e in examples) >= 40, top
        for child in tree.children(top):
            assert sum(e.label == child.code for e in examples) >= 3, child.code


def test_the_emergency_rules_alone_flag_every_emergency_example_of_the_corpus():
    missed = [
        e.text
        for e in classifier.read_corpus()
        if e.top == "emergency" and not rules.emergency_hits(rules.normalise(e.text))
    ]
    assert missed == []


# --- triage -------------------------------------------------------------------------------


def test_fresh_sentences_are_triaged_to_the_right_top_level_category_at_least_80_percent():
    known = corpus_texts()
    assert not [text for text, _ in FRESH_SENTENCES if text in known]
    wrong = []
    for text, expected in FRESH_SENTENCES:
        result = service.triage(text)
        if result.top != expected:
            wrong.append((text, expected, result.category, result.confidence))
    assert len(wrong) <= 0.2 * len(FRESH_SENTENCES), wrong


def test_no_fresh_everyday_sentence_raises_an_emergency():
    raised = [text for text, _ in FRESH_SENTENCES if service.triage(text).emergency]
    assert raised == []


@pytest.mark.parametrize(("text", "number"), FRESH_EMERGENCIES)
def test_every_fresh_emergency_is_flagged_and_the_resident_told_which_number_to_call(text, number):
    assert text not in corpus_texts()
    result = service.triage(text)
    assert result.emergency
    assert result.top == "emergency"
    assert result.category.startswith("emergency.")
    assert result.police_matter
    assert number in result.emergency_numbers


def test_an_emergency_wins_as_top_even_when_the_text_is_mostly_about_something_else():
    result = service.triage("物业一直不管小区的电动车乱充电 现在车棚已经烧起来了")
    assert result.top == "emergency"
    assert result.category == "emergency.fire"
    assert result.emergency_numbers == ("119",)


@pytest.mark.parametrize(
    "text",
    [
        "在小区门口和一辆电动车剐蹭了 没人受伤 对方要我赔钱",
        "消防通道被车堵了 万一着火消防车进不来",
        "工业园那个厂的烟囱天天冒黑烟",
        "楼上长期被噪音困扰 每天跳绳",
    ],
)
def test_negated_or_hypothetical_alarm_words_do_not_make_an_emergency(text):
    assert rules.emergency_hits(rules.normalise(text)) == []


def test_an_ambiguous_question_about_fire_still_raises_the_alarm():
    assert rules.emergency_hits(rules.normalise("对面楼是不是着火了 好多烟")) != []


def test_low_confidence_sends_the_case_to_the_human_queue(settings):
    text = "楼上邻居每天夜里十二点还在拖桌子跺脚 吵得没法睡"
    settings.LINLI_TRIAGE_MIN_CONFIDENCE = 1.01
    assert service.triage(text).needs_human
    settings.LINLI_TRIAGE_MIN_CONFIDENCE = 0.0
    assert not service.triage(text).needs_human


def test_the_result_has_the_shape_the_case_api_returns():
    result = service.triage("小区门口天天有车乱停 堵得出不去")
    payload = result.as_dict()
    assert set(payload) == {
        "category",
        "top",
        "confidence",
        "police_matter",
        "emergency",
        "emergency_numbers",
        "alternatives",
        "needs_human",
    }
    assert payload["top"] == "traffic" and payload["category"].startswith("traffic.")
    assert 0 < payload["confidence"] <= 1
    assert len(payload["alternatives"]) == 3
    assert all(alt["code"].split(".")[0] != "traffic" for alt in payload["alternatives"])
    json.dumps(payload)


@pytest.mark.parametrize("text", GARBAGE)
def test_meaningless_input_goes_to_a_human_without_an_error(text):
    result = service.triage(text)
    assert result.needs_human
    assert result.confidence == 0.0
    assert not result.emergency
    assert result.category in catalogue()


@pytest.mark.parametrize(
    "text",
    [
        "楼上噪音" * 2500,
        "x" * 10_000,
        "'; DROP TABLE cases; -- OR 1=1",
        "<script>alert(1)</script>",
        "(((((((((( [[[[ \\d+ .* ",
        "救命" + "a" * 9_998,
    ],
)
def test_odd_input_gives_a_valid_result_and_never_raises(text):
    result = service.triage(text)
    assert result.category in catalogue()
    assert result.top == result.category.split(".")[0]
    assert 0.0 <= result.confidence <= 1.0
    json.dumps(result.as_dict())


def test_sql_looking_text_is_not_confidently_routed():
    assert service.triage("'; DROP TABLE cases; -- OR 1=1").needs_human


# --- the model file and the training command ---------------------------------------------


def test_the_train_triage_command_writes_the_model_file_and_reports_cross_validation(
    settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("train_triage", "--cv", "2", stdout=out, stderr=io.StringIO())
    model_file = tmp_path / classifier.MODEL_FILE_NAME
    assert model_file.exists()
    assert classifier.load_saved(model_file, classifier.corpus_hash()) is not None
    report = out.getvalue()
    assert "top-level accuracy" in report
    assert "subcategory accuracy" in report
    assert "emergency recall          100.0%" in report


def test_the_train_triage_command_refuses_a_single_fold():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--cv"):
        call_command("train_triage", "--cv", "1", stdout=io.StringIO())


def test_a_stale_or_broken_model_file_is_retrained_instead_of_used(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    model_file = tmp_path / classifier.MODEL_FILE_NAME
    stale = classifier.train(classifier.read_corpus()[:200], digest="from another corpus")
    classifier.save(stale, model_file)
    assert classifier.load_saved(model_file, classifier.corpus_hash()) is None
    model_file.write_bytes(b"not a pickle")
    assert classifier.load_saved(model_file, classifier.corpus_hash()) is None

    classifier.forget_model()
    try:
        model = classifier.get_model()
    finally:
        classifier.forget_model()
    assert model.corpus_hash == classifier.corpus_hash()
    assert classifier.load_saved(model_file, classifier.corpus_hash()) is not None


@pytest.mark.parametrize("which", ["top", "label"])
def test_the_direct_scorer_gives_scikit_learns_probabilities(which):
    model = classifier.get_model()
    pipeline = getattr(model, f"{which}_pipeline")
    texts = [rules.normalise(e.text) for e in classifier.read_corpus()[::7]]
    texts += ["", "？？？", "zzzz qqqq", "a" * 3000, "车车车车车车车车", "\x00\ufeff"]
    expected = pipeline.predict_proba(texts)
    scorer = model.scorer(which)
    for text, row in zip(texts, expected, strict=True):
        got = scorer(text)
        assert list(got) == [str(c) for c in pipeline.classes_]
        assert list(got.values()) == pytest.approx(list(row), abs=1e-9), text


def test_keyword_hits_are_those_of_checking_every_keyword_of_every_category():
    """keyword_hits looks only at the keywords that start with one of the text's characters;
    its counts, and their order, must be those of trying every keyword one by one."""
    import re

    tree = catalogue()

    def one_by_one(text: str) -> dict[str, int]:
        hits = {}
        for category in tree:
            found = sum(
                re.search(rf"\b{re.escape(k)}", text) is not None if k.isascii() else k in text
                for k in category.keywords
            )
            if found:
                hits[category.code] = found
        return hits

    texts = [rules.normalise(e.text) for e in classifier.read_corpus()]
    texts += [rules.normalise(t) for t, _top in FRESH_SENTENCES]
    texts += ["someone installed a stall and harassed me", "noise noise noise", "", "？"]
    with_hits = 0
    for text in texts:
        expected = one_by_one(text)
        assert list(rules.keyword_hits(text, tree).items()) == list(expected.items()), text
        with_hits += bool(expected)
    assert with_hits > len(texts) // 2  # most texts do name a keyword: a real comparison
