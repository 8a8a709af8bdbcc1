"""Data tables for entity extraction: places, central bodies, org suffixes, role titles, title cues.
A new report style is usually a word in a table, not a branch in code (docs/decisions.md, Entities)."""
from __future__ import annotations

from functools import lru_cache

from .places import Place, all_places

__all__ = [
    "ABBREVIATIONS",
    "AMBIGUOUS_PLACE_NAMES",
    "CANONICAL_PATTERNS",
    "CANONICAL_REWRITES",
    "CENTRAL_BODIES",
    "CENTRAL_ISSUERS",
    "CENTRAL_TITLE_PREFIXES",
    "COMPOUND_SURNAMES",
    "DOC_KEYWORDS",
    "FORBIDDEN_NEXT",
    "FORBIDDEN_PREV",
    "GENERIC_AFTER_HEAD",
    "GENERIC_AFTER_LEVEL",
    "GENERIC_ORGS",
    "HEADLESS_SUFFIXES",
    "INTERNAL_ORGAN_TAILS",
    "ISSUE_VERBS",
    "KNOWN_BODIES",
    "LEARN_VERBS",
    "MEMBERSHIP_SUFFIXES",
    "NAME_FOLLOW",
    "NOT_HEAD_AFTER_LEVEL",
    "NOT_HEAD_BEFORE_LEVEL",
    "NOT_ORG_ENDINGS",
    "ORG_HEADS",
    "ORG_SUFFIXES",
    "OWN_VERBS",
    "PARENT_SUFFIXES",
    "PARTY_GROUP_ROLES",
    "PROPER_HEADLESS_SUFFIXES",
    "REGULATION_ALIASES",
    "REGULATION_SUFFIX",
    "ROLE_AFTER_NAME",
    "ROLE_TITLES",
    "SET_PHRASE_PERSONS",
    "STOP_CHARS",
    "STOP_WORDS",
    "SUBORDINATE_SUFFIXES",
    "SUB_BODY_SUFFIXES",
    "SUPERIOR_ISSUERS",
    "SURNAMES",
    "Region",
    "region_by_name",
    "regions",
    "short_place_names",
]


# --------------------------------------------------------------------------------------------
# Places: cpca ships the national list of provinces, cities and counties (adcodes.csv). cpca's own
# __init__ imports pkg_resources, which recent setuptools no longer ships, so the CSV is read
# directly from the installed package without importing it (reports/grammar/places.py does that).
# --------------------------------------------------------------------------------------------

Region = Place  # one loader for cpca's list: reports/grammar/places.py


def regions() -> tuple[Region, ...]:
    """All provinces, cities and counties from cpca's list."""
    return tuple(all_places().values())


@lru_cache(maxsize=1)
def region_by_name() -> dict[str, tuple[Region, ...]]:
    """Full name -> areas of that name (市中区 exists three times, so the value is a tuple)."""
    table: dict[str, list[Region]] = {}
    for region in regions():
        table.setdefault(region.name, []).append(region)
    return {name: tuple(found) for name, found in table.items()}


# County names that are also ordinary words or fragments (市文联和县(区)文联, 中心城区).
AMBIGUOUS_PLACE_NAMES = frozenset({"和县", "城区", "矿区", "郊区", "东区", "西区", "南区", "北区", "新区", "通州"})

_PLACE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@lru_cache(maxsize=1)
def short_place_names() -> dict[str, str]:
    """Short province/city names (益阳 -> 益阳市). Counties are left out: 南县 minus 县 is 南."""
    table: dict[str, str] = {}
    for region in regions():
        if region.rank > 1:
            continue
        for suffix in _PLACE_SUFFIXES:
            if region.name.endswith(suffix) and len(region.name) - len(suffix) >= 2:
                table.setdefault(region.name[: -len(suffix)], region.name)
                break
    return table


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

# Common single-character surnames. Characters that mostly start ordinary words right after a
# title (党, 和, 原, 国, 明, 南, 区, 海, 宣, 都, 来, 由, 于, 桑 ...) are deliberately left out.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农卓古吉缪简车项"
    "连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇郎甄丛仲虞敖巩"
    "佘池查麻苑迟邝封匡鞠惠荆乐冀郁胥班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻厉伊仝郜阚花权帅屠豆朴盖练禹井"
    "祖漆巴丰支卿狄平计索晋初容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危"
    "银亢嵇哈湛宾戎勾茅利呼居揭但尉冶斯元束檀衣展阴昝智幸奉植衡富尧闭"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
                     "司徒", "夏侯", "长孙", "宇文", "轩辕", "端木", "独孤", "南宫", "西门")

# Titles that precede a name (党组书记、主席覃文乐). Longest first is applied by the extractor.
ROLE_TITLES = (
    "党组书记", "党组副书记", "党组成员", "党委书记", "党委副书记", "党支部书记", "支部书记", "纪检组长",
    "纪委书记", "一级调研员", "二级调研员", "三级调研员", "四级调研员", "一级巡视员", "二级巡视员",
    "调研员", "巡视员", "秘书长", "副秘书长", "主席", "副主席", "局长", "副局长", "部长", "副部长",
    "主任", "副主任", "书记", "副书记", "市长", "副市长", "县长", "副县长", "省长", "副省长", "厅长",
    "副厅长", "馆长", "副馆长", "院长", "副院长", "队长", "副队长", "组长", "副组长", "分管领导",
    "董事长", "总经理", "常务副主席", "专职副主席", "驻会副主席", "出纳",
)
# Titles that follow a name (瞿海书记). 总书记 is here so that 习近平总书记 is recognised and skipped.
ROLE_AFTER_NAME = ("总书记", "书记", "市长", "县长", "省长", "部长", "局长", "主席", "主任", "同志")
# Roles that belong to the unit's party group whatever organisation is mentioned nearby.
PARTY_GROUP_ROLES = ("党组书记", "党组副书记", "党组成员", "分管领导", "一级调研员", "二级调研员",
                     "秘书长", "局长", "副局长")
# Characters that typically follow a name (任组长, 带队, 主持, 、 ...): used to pick 2 vs 3 chars.
NAME_FOLLOW = frozenset("任带主出在兼不为是同和与及等的对向给到从率参作讲指强说要提召也已曾将就于做进赴表牵负分担代、,，。;；:：)） \u00a0\n")
# Names that appear only inside set phrases (习近平总书记…, 习近平新时代…) and are never actors here.
SET_PHRASE_PERSONS = frozenset({"习近平"})

# --------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------

# Endings of organisation names (longest matched first).
ORG_SUFFIXES = (
    "纪检监察组", "纪委监委", "领导小组", "协调小组", "业主委员会", "委员会", "办公厅", "联合会", "有限公司",
    "研究会", "研究院", "纪念馆", "博物馆", "图书馆", "文化馆", "美术馆", "体育馆", "大剧院", "文学院",
    "书画院", "法院", "检察院", "协会", "学会", "文联", "作协", "妇联", "总工会", "公司", "集团", "纪委",
    "监委", "工委", "纪检组", "政府", "人大", "政协", "中心", "支队", "学校", "小学", "中学", "大学", "师大",
    "体校", "酒店", "剧院", "部", "厅", "局", "委", "办", "院", "馆",
)
# Endings strong enough to accept a name with no place/level prefix (龙洲小学, 羽星酒店, 安播中心).
HEADLESS_SUFFIXES = ("有限公司", "公司", "小学", "中学", "学校", "大学", "酒店", "纪念馆", "业主委员会",
                     "中心")
# Headless names with these endings also need a proper-noun start (龙洲小学, not 项目实施学校).
PROPER_HEADLESS_SUFFIXES = ("小学", "中学", "学校", "大学")
# A suffix is not an ending when one of these follows (部门, 委员, 办法, 局长, 中心组 ...).
FORBIDDEN_NEXT = {
    "部": "门署分长属室", "委": "员托室会", "办": "法理公事结复好实", "局": "长面限势", "厅": "长",
    "院": "长子落", "馆": "长", "中心": "组工城任", "政府": "采", "人大": "代", "政协": "委云",
    "协会": "员长", "文联": "系", "组": "长织",
}
# ... nor when one of these precedes it (干部, 举办, 大局, 新馆, 东部 ...).
FORBIDDEN_PREV = {
    "部": "干全内外局东西南北支本", "局": "大布格结全时当饭开终残出", "馆": "新开闭场",
    "办": "举督承主创合协兴查经包代开筹申照交买督", "院": "大医庭",
}
# Bodies that own sub-bodies: 市委巡察工作领导小组 is one name even though a verb follows 市委.
PARENT_SUFFIXES = ("纪委监委", "纪委", "政府", "人大", "委")
SUB_BODY_SUFFIXES = ("领导小组", "协调小组", "工委", "纪检组", "纪检监察组", "办", "部", "委", "厅")
# After a bare level character these are classes, not bodies (市文艺家协会党支部 -> no 市文艺家协会).
GENERIC_AFTER_LEVEL = frozenset({"文艺家协会", "部门", "有关部门", "相关部门", "单位", "协会", "专业协会", "机关",
                                 "党委", "委员会", "领导小组", "办公室", "企业"})
# Names that are classes of bodies, not bodies (never emitted on their own).
GENERIC_ORGS = frozenset({
    "部门", "单位", "协会", "机关", "有关部门", "相关部门", "主管部门", "文艺家协会", "专业协会", "党委",
    "党支部", "支部", "机关党委", "机关纪委", "机关党支部", "机关支部", "领导小组", "办公室", "中心",
    "公司", "图书馆", "文化馆", "博物馆", "纪念馆", "美术馆", "学校", "小学", "政府", "人大", "政协",
    "纪委", "委员会", "有限公司", "中学", "大学", "酒店", "支队", "公共图书馆", "公共文化场馆",
    "社会组织", "企业", "事业单位", "代管企业", "国有剧团", "文物部门", "服务中心",
    "组织部门", "业务主管部门", "登记管理机关", "社团登记管理机关", "派驻纪检监察组", "纪检监察组",
    "国有博物馆", "各类国有博物馆", "市县文联", "区县文联", "局属单位", "电竞酒店", "实施学校",
    "派驻单位纪检监察组", "公共文化服务中心", "博物馆纪念馆",
})
# Tails that mark the unit's own internal organs (局党组成员 is a role, 行业党委 an internal organ).
INTERNAL_ORGAN_TAILS = ("领导小组", "工作专班", "党支部", "支部", "党委", "纪委", "办公室", "机关",
                        "科", "室", "党组")
# Words that may start an organisation name besides place names and a level character.
ORG_HEADS = ("中共", "共青团", "中国", "全国", "国家", "原", "派驻", "驻")
# A head followed only by one of these is a class, not a body (全国公共图书馆).
GENERIC_AFTER_HEAD = ("公共", "各类", "各级")
# 市场/市民/市级/省级 ... are not "市 + organisation".
NOT_HEAD_AFTER_LEVEL = frozenset("场民级情内外区县州域长属辖省三两")
# ... nor are 全市/我市/本市/各省.
NOT_HEAD_BEFORE_LEVEL = frozenset("全我本该各")
# Central bodies: written form -> canonical.
CENTRAL_BODIES = {
    "党中央": "党中央", "中共中央": "中共中央", "国务院": "国务院", "中办": "中共中央办公厅",
    "国办": "国务院办公厅", "中共中央办公厅": "中共中央办公厅", "国务院办公厅": "国务院办公厅",
    "中央纪委国家监委": "中央纪委国家监委", "中央纪委": "中央纪委国家监委", "全国文联": "中国文联",
    "中国文联": "中国文联", "中国文学艺术界联合会": "中国文联", "中国作协": "中国作协",
    "中国作家协会": "中国作协", "中宣部": "中宣部", "中央宣传部": "中宣部", "中组部": "中组部",
    "财政部": "财政部", "文旅部": "文化和旅游部", "文化和旅游部": "文化和旅游部", "国家文物局": "国家文物局",
    "全国人大": "全国人大", "全国政协": "全国政协", "中国国家博物馆": "中国国家博物馆",
    "中国羽毛球协会": "中国羽毛球协会",
}
# Bodies written without a place or level that are still specific (written -> canonical).
KNOWN_BODIES = {"自然资源和规划局": "自然资源和规划局", "国资委": "国资委"}
# Canonical rewrites applied after region qualification ({city} is the report's city).
CANONICAL_PATTERNS = (
    (r"^(?:市纪委监委)?派?驻(?:市委)?宣传部纪检组$", "{city}纪委监委驻市委宣传部纪检组"),
    (r"^市委宣传部纪检组$", "{city}纪委监委驻市委宣传部纪检组"),
)
# Characters that never occur inside an organisation name here: the left scan stops at them.
STOP_CHARS = frozenset("的了在对向给将把被由从于以为是等并或也都已不未没要与及和同经请让使其各该本这那我你他她它之")
# Multi-character words that end the left scan (verbs jieba sometimes tags as nouns).
STOP_WORDS = ("充分利用", "利用", "联合", "协调", "指导", "督促", "要求", "配合", "委托", "通过", "加强",
              "积极", "指导其成立", "申请成立", "成立", "报送", "报请", "提请", "经过", "邀请", "支援")
# Endings that look like organisations but are buildings or events (市委大院, 新馆, 行政中心).
NOT_ORG_ENDINGS = ("大院", "旧址", "遗址", "新馆", "开馆", "行政中心")
# Written variants of one body -> the official wording (substring rewrites).
CANONICAL_REWRITES = (("文化市场综合执法支队", "文化市场综合行政执法支队"),)
# Organisations whose chair/secretary is "theirs" rather than the unit's (市校园文联 主席杨次洪).
MEMBERSHIP_SUFFIXES = ("协会", "联合会", "文联", "作协", "学会", "公司", "馆", "院", "中心", "学校")

# --------------------------------------------------------------------------------------------
# 《》 titles
# --------------------------------------------------------------------------------------------

# A title containing none of these names a work (magazine, film, book, play), not a document.
DOC_KEYWORDS = ("条例", "准则", "法", "章程", "规定", "办法", "细则", "方案", "制度", "规则", "规范", "意见",
                "通知", "决定", "计划", "规划", "纲要", "要点", "清单", "台账", "表", "流程图", "预案", "指南",
                "基准", "措施", "建议", "报告", "汇编", "职责", "目标", "公约", "倡议书", "诉状", "机制", "关于", "流程")
# Central regulations and laws end like this.
REGULATION_SUFFIX = r"(?:条例|准则|章程|(?<![办方做])法)(?:\(试行\)|（试行）)?$"
# Misspelt regulation names -> the real name (000 writes 社会团体管理登记条例 once).
REGULATION_ALIASES = {"社会团体管理登记条例": "社会团体登记管理条例"}
# A title starting with one of these was issued centrally.
CENTRAL_TITLE_PREFIXES = ("中共中央", "中央", "中国共产党", "中国文联", "中国作协", "国务院", "全国")
# Issuers written just before a title (中办《…》, 市委办印发的《…》).
CENTRAL_ISSUERS = ("中共中央办公厅", "国务院办公厅", "中共中央", "党中央", "中办", "国办", "国务院", "中央")
SUPERIOR_ISSUERS = ("省委办公厅", "省政府办公厅", "省委", "省政府", "省厅", "省文旅厅", "市委办", "市委",
                    "市政府", "市委宣传部", "市委组织部", "县委", "县政府", "市纪委", "省纪委")
ISSUE_VERBS = ("联合下发", "联合印发", "印发", "出台", "下发", "发布", "制定")
# Verbs by which the unit makes its own documents.
OWN_VERBS = ("研究制定", "制定下发", "编制下发", "修订完善", "重新修订", "整理形成", "制定出台", "审议通过",
             "制定", "印发", "出台", "修订", "形成", "建立", "编制", "完善", "健全", "制作", "下发", "实行",
             "优化", "递交", "出具", "起草", "开设", "委托", "填写", "发放", "完成", "负责")
# Verbs by which the unit studies or implements someone else's document.
LEARN_VERBS = ("学习贯彻落实", "贯彻落实", "传达学习", "集中学习", "专题学习", "深入学习", "认真学习",
               "学习贯彻", "学习", "传达", "贯彻")
# Titles starting with a place + one of these come from the unit's subordinate institution.
SUBORDINATE_SUFFIXES = ("博物馆", "图书馆", "文化馆", "纪念馆", "支队", "中心")
# Long forms -> abbreviations, used to derive a unit's short name when none is given.
ABBREVIATIONS = (("文学艺术界联合会", "文联"), ("作家协会", "作协"), ("文化旅游广电体育局", "文旅广体局"),
                 ("人民政府", "政府"))
