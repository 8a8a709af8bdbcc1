"""Entity extraction: corpus P/R against the hand-built gold set, and one test per tricky pattern.

The pattern tests use real lines from data/reports (a few marked "unseen" are invented sentences in
the same style, to catch rules that only fit the corpus).
"""
from __future__ import annotations

import json

import pytest
from conftest import ROOT

from bench import entities_eval as EVAL
from reports.entities import TYPES, canonical_doc_number, extract_entities, unit_context

GOLD_PATH = ROOT / "tests" / "gold" / "entities.json"
REPORTS = ROOT / "data" / "reports"

ZJJ = {"unit": "中共张家界市文学艺术界联合会党组", "unit_short": "市文联"}
QY = {"unit": "中共庆阳市文联党组", "unit_short": "市文联"}
SD = {"unit": "中共山东省作家协会党组", "unit_short": "省作协"}
SZ = {"unit": "中共政协桑植县委员会党组", "unit_short": "县政协"}
YY = {"unit": "中共益阳市文化旅游广电体育局党组", "unit_short": "市文旅广体局"}


@pytest.fixture(scope="module")
def scores() -> dict:
    return EVAL.evaluate()


def _of(mentions, kind):
    return [m for m in mentions if m.type == kind]


# ---------------------------------------------------------------- corpus figures (can fail)

def test_figures_table_shows_every_type(scores, capsys):
    table = EVAL.format_table(scores)
    with capsys.disabled():
        print("\nentity extraction vs tests/gold/entities.json\n" + table)
    lines = table.splitlines()
    assert [ln.split()[0] for ln in lines[1:]] == ["people", "people_span_only", "organizations",
                                                   "inspection_teams", "doc_numbers", "titles"]
    assert f"{scores['people']['precision']:.3f}" in lines[1]


def test_people_precision_recall(scores):
    r = scores["people"]
    assert r["precision"] >= 0.90 and r["recall"] >= 0.85, r


def test_organization_precision_recall(scores):
    r = scores["organizations"]
    assert r["precision"] >= 0.85 and r["recall"] >= 0.80, r


def test_title_class_accuracy(scores):
    assert scores["titles"]["class_accuracy"] >= 0.90, scores["titles"]


def test_every_document_number_found_and_attached(scores):
    r = scores["doc_numbers"]
    assert r["precision"] == 1.0 and r["recall"] == 1.0, [
        e for info in scores["reports"].values() for e in info["errors"] if "number" in e]


def test_inspection_teams(scores):
    r = scores["inspection_teams"]
    assert r["precision"] == 1.0 and r["recall"] == 1.0, r


def test_gold_set_is_complete_enough():
    gold = json.loads(GOLD_PATH.read_text(encoding="utf-8"))["reports"]
    assert len(gold) == len(list(REPORTS.glob("*.txt")))
    assert sum(len(r["organizations"]) for r in gold.values()) >= 60
    for name, report in gold.items():
        text = (REPORTS / name).read_text(encoding="utf-8")
        for person in report["people"]:
            start, end = EVAL.gold_person_span(text, person)       # raises if the context is stale
            assert text[start:end] == person["name"]
        for title in report["titles"]:
            assert title["title"] in text and title["class"] in ("regulation", "central", "superior", "own",
                                                                 "work")


def test_spans_and_types_over_the_corpus():
    for path in sorted(REPORTS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for m in extract_entities(text):
            assert m.type in TYPES
            assert text[m.span[0]:m.span[1]] == m.name, m


def test_unit_inferred_when_not_given():
    text = (REPORTS / "003_758074bb1886fac5.txt").read_text(encoding="utf-8")
    ctx = unit_context(text)
    assert (ctx.canonical, ctx.short, ctx.county, ctx.city) == ("政协桑植县委员会", "县政协", "桑植县", "张家界市")
    given = extract_entities(text, **SZ)
    inferred = extract_entities(text)
    assert [(m.type, m.canonical, m.span) for m in given] == [(m.type, m.canonical, m.span) for m in inferred]
    # the parser may hand over the short name with its region (桑植县政协): same result
    prefixed = extract_entities(text, unit=SZ["unit"], unit_short="桑植县政协")
    assert [(m.type, m.canonical, m.span) for m in given] == [(m.type, m.canonical, m.span) for m in prefixed]


# ---------------------------------------------------------------- people

def test_xi_jinping_in_set_phrases_is_not_an_actor():
    lines = [
        "七是严格落实“每月一次、上下同题”党组理论学习中心组学习制度,把深入学习习近平新时代中国特色社会主义思想"
        "和习近平总书记关于意识形态工作的指示精神落到实处",
        "组织开展《习近平谈治国理政第三卷》专题学习",
        "集中学习了“习近平给中国国家博物馆老专家的回信”、《关于让文物活起来,扩大中华文化国际影响力》",
    ]
    for line in lines:
        assert not _of(extract_entities(line, **ZJJ), "person"), line


def test_name_list_after_roles():
    line = ("成立了巡察整改工作领导小组,党组书记、主席覃文乐任组长,党组成员彭义、杨次洪,一级调研员刘晓平任副组长,"
            "秘书长王樱洁任办公室主任。")
    people = [(m.name, m.role, m.attrs["org"]) for m in _of(extract_entities(line, **ZJJ), "person")]
    org = "张家界市文学艺术界联合会"
    assert people == [("覃文乐", "党组书记、主席", org), ("彭义", "党组成员", org), ("杨次洪", "党组成员", org),
                      ("刘晓平", "一级调研员", org), ("王樱洁", "秘书长", org)]


def test_roles_joined_and_org_prefix_stripped():
    line = ("2022年11月30日局党组成员副局长徐志成在全系统干职工大会上做了廉政警示专题报告。"
            "会议由局党组成员、副局长徐志成主持,局党组书记、局长卜永强,局党组成员余正出席会议。")
    mentions = extract_entities(line, **YY)
    people = [(m.name, m.role) for m in _of(mentions, "person")]
    assert people == [("徐志成", "党组成员、副局长"), ("徐志成", "党组成员、副局长"), ("卜永强", "党组书记、局长"),
                      ("余正", "党组成员")]
    assert not [m for m in _of(mentions, "organization") if m.name.startswith("局")]


def test_title_after_name():
    line = "为进一步深化我市文化市场综合行政执法改革,市委、市政府高度重视,瞿海书记专门作出了“效果导向”的批示。"
    (person,) = _of(extract_entities(line, **YY), "person")
    assert (person.name, person.role, person.attrs["org"]) == ("瞿海", "书记", "益阳市委")


def test_role_words_followed_by_ordinary_words_are_not_names():
    lines = ["成立了由党组书记任组长,党组成员任副组长,部室负责同志为成员的巡察反馈问题整改工作领导小组",
             "局党组书记高度重视文旅中心,多次与文旅中心主任谈心谈话", "主席首先发言并提出人选",
             "成立以党组书记、局长任组长,分管领导任副组长"]
    for line in lines:
        assert not _of(extract_entities(line, **YY), "person"), line


def test_editor_contact_and_people_named_in_titles():
    assert [(m.name, m.role) for m in _of(extract_entities("来源:张家界廉政网 编辑:谢航 2020-12-07", **ZJJ),
                                          "person")] == [("谢航", "编辑")]
    assert [(m.name, m.role) for m in _of(extract_entities("联系电话:蔡毅\u00a0 07374381161;", **YY),
                                          "person")] == [("蔡毅", "联系人")]
    line = "《中共益阳市文化旅游广电体育局党组关于胡星等同志职务职级任免的通知》(益文旅广体党发〔2022〕8号)"
    assert [(m.name, m.role) for m in _of(extract_entities(line, **YY), "person")] == [("胡星", None)]


def test_association_roles_belong_to_the_association():
    line = "市校园文联认真整改财务方面存在的问题,一是调整出纳人员,主席杨次洪不再兼职出纳,由支部书记曹勇兼任"
    people = {m.name: m.attrs["org"] for m in _of(extract_entities(line, **ZJJ), "person")}
    assert people == {"杨次洪": "张家界市校园文联", "曹勇": "张家界市校园文联"}


def test_unseen_sentence_people():
    line = "成立了以党组书记、厅长王建国任组长,党组成员、副厅长李明、陈晓东任副组长的领导小组。"   # unseen
    people = [(m.name, m.role) for m in _of(extract_entities(line, unit="中共湖南省文化和旅游厅党组"), "person")]
    assert people == [("王建国", "党组书记、厅长"), ("李明", "党组成员、副厅长"), ("陈晓东", "党组成员、副厅长")]


# ---------------------------------------------------------------- organisations

def test_we_and_party_group_aliases_resolve_to_the_unit():
    line = "(一)统一思想,坚决担起主体责任。从市委第四巡察组反馈意见以来,我局党组高度重视,市文旅广体局党组召开会议。"
    orgs = {m.name: m.canonical for m in _of(extract_entities(line, **YY), "organization")}
    assert orgs["我局"] == "益阳市文化旅游广电体育局"
    assert orgs["市文旅广体局党组"] == "益阳市文化旅游广电体育局"
    line = "7月28日,市文联党组及时召开党组会议,接受市委巡察组第三组反馈的意见"
    orgs = {m.name: m.canonical for m in _of(extract_entities(line, **ZJJ), "organization")}
    assert orgs == {"市文联党组": "张家界市文学艺术界联合会"}


def test_generic_bodies_are_region_qualified():
    line = "9个文艺家协会兼职主席都报市委宣传部、市委组织部批复后选举产生。"
    zjj = {m.canonical for m in _of(extract_entities(line, **ZJJ), "organization")}
    yy = {m.canonical for m in _of(extract_entities(line, **YY), "organization")}
    assert zjj == {"张家界市委宣传部", "张家界市委组织部"}
    assert yy == {"益阳市委宣传部", "益阳市委组织部"}
    line = "加强同市纪委监委、市委巡察办、市委组织部、市纪委监委派驻市委宣传部纪检组等的联系对接"
    assert {m.canonical for m in _of(extract_entities(line, **YY), "organization")} == {
        "益阳市纪委监委", "益阳市委巡察办", "益阳市委组织部", "益阳市纪委监委驻市委宣传部纪检组"}
    line = "9月23日,组织政协委员参加桑植县“十四五”规划协商意见征求会。同时加强与县委宣传部联系"
    assert {m.canonical for m in _of(extract_entities(line, **SZ), "organization")} == {"桑植县委宣传部"}


def test_companies_schools_and_subordinate_units():
    line = ("三是要求湖南花鼓文化传播有限公司在送戏下乡活动中演出现代花鼓戏《山那边人家》、益阳市花鼓演艺有限公司演出"
            "包括小戏。省文旅厅和省教育厅联合将龙洲小学、益阳市实验小学、桃花江小学等8所学校确立。"
            "市图书馆、市文化馆为满足广大群众精神文化需求。")
    assert {m.canonical for m in _of(extract_entities(line, **YY), "organization")} == {
        "湖南花鼓文化传播有限公司", "益阳市花鼓演艺有限公司", "湖南省文旅厅", "湖南省教育厅", "龙洲小学",
        "益阳市实验小学", "桃花江小学", "益阳市图书馆", "益阳市文化馆"}


def test_central_bodies_and_no_generic_nouns():
    line = "与贯彻落实党中央决策部署相结合;组织参加全国文联系统干部网络培训班;积极与组织、人事、宣传、编制、财政等部门沟通协调,对协会管理上存在的问题加强单位管理。"
    assert {m.canonical for m in _of(extract_entities(line, **QY), "organization")} == {"党中央", "中国文联"}


def test_places_stand_alone_not_inside_org_names():
    line = "各区县(市)公共文化场馆相对较少,资阳区和桃江县没有公共博物馆。桃江县文旅广体局已向县委申请。"
    mentions = extract_entities(line, **YY)
    assert [m.name for m in _of(mentions, "place")] == ["资阳区", "桃江县"]
    assert {m.canonical for m in _of(mentions, "organization")} == {"桃江县文旅广体局", "桃江县委"}


# ---------------------------------------------------------------- inspection teams

def test_same_team_name_in_two_cities_is_two_teams():
    zjj = "根据市委统一部署,2020年3月10日至2020年4月20日,市委第三巡察组对市文联进行了巡察。"
    qy = "根据市委统一部署,2022年8月19日至2022年11月15市委第三巡察组对市文联党组开展了常规巡察"
    (a,) = _of(extract_entities(zjj, **ZJJ), "inspection_team")
    (b,) = _of(extract_entities(qy, **QY), "inspection_team")
    assert a.name == b.name == "市委第三巡察组"
    assert (a.canonical, a.attrs["region"]) == ("张家界市委第三巡察组", "张家界市")
    assert (b.canonical, b.attrs["region"]) == ("庆阳市委第三巡察组", "庆阳市")


def test_team_variants_and_typo_share_one_canonical():
    text = (REPORTS / "000_1edee9a775efe606.txt").read_text(encoding="utf-8")
    teams = {m.name: m.canonical for m in _of(extract_entities(text, **ZJJ), "inspection_team")}
    assert teams == {"市委第三巡察组": "张家界市委第三巡察组", "市委巡察组第三组": "张家界市委第三巡察组",
                     "市委巡察组": "张家界市委第三巡察组", "第三巡查组": "张家界市委第三巡察组"}


def test_team_round_and_level_from_report():
    text = (REPORTS / "002_6d80888df1d498ea.txt").read_text(encoding="utf-8")
    team = _of(extract_entities(text, **SD), "inspection_team")[0]
    assert team.canonical == "山东省委第十一巡视组"
    assert team.attrs["round"] == "十一届省委第九轮" and team.attrs["number"] == 11


# ---------------------------------------------------------------- 《》 titles and document numbers

def test_malformed_document_number():
    line = "①加强评奖规范管理,认真贯彻落实《山东省“泰山文艺奖”评选奖励方案》(鲁厅字[2017])57号)要求"
    (doc,) = [m for m in extract_entities(line, **SD) if m.type == "document"]
    assert doc.attrs["doc_number"] == "鲁厅字〔2017〕57号"
    assert doc.attrs["doc_class"] == "superior"
    assert canonical_doc_number("益文旅广体发", "2022", "042") == "益文旅广体发〔2022〕42号"


def test_number_attaches_to_the_title_it_follows():
    line = ("一是印发《益阳市文化旅游广电体育局2022年工作要点》(益文旅广体发[2022]2号)、"
            "《2022年局直属单位目标管理考核实施办法》(益文旅广体发[2022]29号),将意识形态工作纳入年初工作要点")
    docs = [(m.name, m.attrs.get("doc_number"), m.attrs["doc_class"]) for m in extract_entities(line, **YY)
            if m.type == "document"]
    assert docs == [("益阳市文化旅游广电体育局2022年工作要点", "益文旅广体发〔2022〕2号", "own"),
                    ("2022年局直属单位目标管理考核实施办法", "益文旅广体发〔2022〕29号", "own")]


def test_nested_titles():
    line = "印发《山东省作家协会党组加强自身建设的若干措施》。②认真贯彻落实《中国共产党党组工作条例(试行)》。印发《山东省作家协会党组落实<中国共产党党组工作条例(试行)>实施细则》"
    titles = [(m.type, m.name, m.attrs["title_class"], "nested_in" in m.attrs)
              for m in extract_entities(line, **SD) if "title_class" in m.attrs]
    assert titles == [
        ("document", "山东省作家协会党组加强自身建设的若干措施", "own", False),
        ("regulation", "中国共产党党组工作条例(试行)", "regulation", False),
        ("document", "山东省作家协会党组落实<中国共产党党组工作条例(试行)>实施细则", "own", False),
        ("regulation", "中国共产党党组工作条例(试行)", "regulation", True)]
    line = "市委组织部、市委宣传部等6家单位联合下发《关于组织观看电影〈金家堤之恋〉的通知》"
    titles = [(m.type, m.name, m.attrs["title_class"]) for m in extract_entities(line, **YY)
              if "title_class" in m.attrs]
    assert titles == [("document", "关于组织观看电影〈金家堤之恋〉的通知", "superior"), ("work", "金家堤之恋", "work")]


def test_title_classes_from_context():
    cases = [
        ("000", "按照市委办印发的《张家界市文联深化改革方案》,市文联深化改革", ZJJ, "superior"),
        ("000", "向市委宣传部递交了《张家界文艺精品工程扶持办法》", ZJJ, "own"),
        ("000", "文联公众号《张家界文艺》和《张家界旅游信息》杂志均委托私营企业经营管理", ZJJ, "work"),
        ("003", "未根据中办《关于新时代加强和改进人民政协工作的意见》的要求", SZ, "central"),
        ("003", "一是认真贯彻落实省委《关于加强和改进人民政协民主监督工作的实施意见》。", SZ, "superior"),
        ("003", "依照《社会团体登记管理条例》明确文联机关", SZ, "regulation"),
        ("004", "一是修订完善了《档案管理制度》。", SZ, "own"),
    ]
    for _, line, unit, expected in cases:
        classes = {m.attrs["title_class"] for m in extract_entities(line, **unit) if "title_class" in m.attrs}
        assert classes == {expected}, line


def test_own_documents_are_keyed_by_their_issuer():
    line = "一是修订完善了《财务管理制度》。"
    (a,) = [m for m in extract_entities(line, **SZ) if m.type == "document"]
    (b,) = [m for m in extract_entities(line, **YY) if m.type == "document"]
    assert a.name == b.name == "财务管理制度" and a.canonical != b.canonical
    (reg,) = [m for m in extract_entities("依照《社会团体管理登记条例》的规定", **ZJJ) if m.type == "regulation"]
    assert reg.canonical == "社会团体登记管理条例"


def test_unseen_county_unit():
    line = "县委第一巡察组对县教育局党组开展巡察。县委组织部、县财政局参加。"      # unseen; 攸县 is one character long
    mentions = extract_entities(line, unit="中共攸县教育局党组")
    assert {m.canonical for m in mentions if m.type != "place"} == {
        "攸县县委第一巡察组", "攸县教育局", "攸县县委组织部", "攸县财政局"}


# -- issue 22: staff only with a post; quoted or studied people are cited; page credits ------------

@pytest.mark.parametrize("line, expected", [
    ("局党组书记、局长卜永强主持召开党组会议。", [("卜永强", "staff")]),
    ("会议传达学习了李克强在国务院第五次廉政工作会议上的讲话精神。", [("李克强", "cited")]),
    ("认真落实省委书记李希同志听取巡视综合情况汇报时的讲话精神。", [("李希", "cited")]),
    ("市委、市政府高度重视,瞿海书记专门作出了“效果导向,实事求是”的批示。", [("瞿海", "cited")]),
    ("局党组书记、局长卜永强在全系统大会上作了讲话。", [("卜永强", "staff")]),   # the unit's own secretary
    ("联系电话:蔡毅 07374381161;", [("蔡毅", "contact")]),
])
def test_people_relations(line, expected):
    people = _of(extract_entities(line, **YY), "person")
    assert [(m.name, m.attrs.get("relation")) for m in people] == expected


@pytest.mark.parametrize("line", ["编辑:谢航", "责任编辑:谢航", "作者:谢航 来源:张家界廉政网", "审核:谢航"])
def test_page_credits_are_marked_and_have_no_relation(line):
    people = _of(extract_entities(line, **ZJJ), "person")
    assert [m.name for m in people] == ["谢航"]
    assert people[0].attrs.get("credit") == "page" and "relation" not in people[0].attrs


def test_every_staff_mention_in_the_corpus_has_a_post(corpus_reports):
    for r in corpus_reports.values():
        for m in _of(extract_entities(r.text, unit=r.unit, unit_short=r.unit_short), "person"):
            if m.attrs.get("relation") == "staff":
                assert m.role and m.attrs.get("org"), (m.name, m.span)
            assert m.name not in ("李克强", "毛伟明") or m.attrs["relation"] == "cited"
