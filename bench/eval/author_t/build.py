#!/usr/bin/env python3
"""Author T: graded test queries -> queries.jsonl. text_start is read from problems.txt."""
import json, os, re

HERE = os.path.dirname(os.path.abspath(__file__))
leaves = {}
for line in open(os.path.join(HERE, "problems.txt"), encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    head, heading, text = line.split(" | ", 2)
    f, pid, parent, kind = head.split()
    if kind == "L":
        leaves[(f, pid)] = text

def R(spec):
    """spec: 'file-id:grade file-id:grade ...'"""
    out = []
    for tok in spec.split():
        fid, g = tok.rsplit(":", 1)
        f, pid = fid.split("-", 1)
        if (f, pid) not in leaves:
            raise SystemExit(f"not a leaf: {tok}")
        out.append({"file": f, "id": int(pid) if re.fullmatch(r"\d+", pid) else pid,
                    "grade": int(g), "text_start": leaves[(f, pid)][:15]})
    return out

Q = [
# ---------------- answerable ----------------
# keyword
("意识形态工作责任制", "keyword",
 "000-2:2 003-5:2 004-4.1:2 004-4.2:2 004-4.3:2 004-4.4:2 003-7:1 003-6:1 004-3:1 004-4.5:1", ""),
("财务凭证 报销 发票", "keyword",
 "003-34:2 003-35:2 004-22:1 004-24:1", ""),
("因私出国（境）证件管理", "keyword",
 "003-30:2 004-41.4:2", ""),
("政府采购 合同 验收", "keyword",
 "004-23:2", ""),
("干部人事档案", "keyword",
 "004-30:2 004-41.4:2", ""),
("专项资金 挤占挪用", "keyword",
 "004-26.1:2 004-26.2:2 004-25:1 004-27:1 000-11:1", ""),
("网络舆情 新媒体 公众号", "keyword",
 "003-7:2 004-4.4:2 000-2:2 004-37:1", ""),
("廉政风险防控", "keyword",
 "000-12:2 004-40:2 000-9:1 002-2.1.2:1 003-29:1 004-37:1", ""),
("临聘人员 劳务合同", "keyword",
 "004-21:2 004-43:2 004-41.4:1", ""),
("违规发放津贴补贴", "keyword",
 "000-10:2 004-26.2:1 000-1:1", ""),
# official
("民主集中制执行不到位，“三重一大”事项决策程序不规范", "official",
 "000-3:2 003-22:2 003-21:2 003-23:2 003-24:2 004-41.1:1 002-3.1.1:1 004-9:1", ""),
("党内政治生活不严肃，批评和自我批评开展不够", "official",
 "003-19:2 004-34:1 003-32:1 002-3.1.3:1", ""),
("上轮巡察反馈问题整改不到位，部分问题反弹回潮", "official",
 "002-4.2.2:2 004-41.1:2 004-41.2:2 004-41.3:2 004-41.4:2 004-41.5:2 002-4.1.1:1 002-4.1.2:1 002-4.2.1:1 004-42.1:1 004-42.2:1 004-44:1 004-3:1", ""),
("落实中央八项规定精神不严格", "official",
 "003-33:2 004-19:2 004-20:1 000-10:1", ""),
("干部选拔任用工作程序不规范", "official",
 "004-29:2 002-3.2.1:2 004-28:1 000-8:1 000-6:1", ""),
("派驻纪检监察组监督责任落实不到位", "official",
 "002-2.2.1:2 003-31:2 002-4.1.2:2 002-2.2.2:1 004-38:1 004-39:1", ""),
("形式主义、官僚主义问题整治不彻底", "official",
 "000-7:2 002-2.3.1:2 002-2.3.2:2 004-16:2 004-17:2 003-25:2 003-26:2 003-27:2 003-28:2 004-41.3:2 003-2:1 003-10:1 000-1:1", ""),
("履行全面从严治党主体责任不到位", "official",
 "002-2.1.1:2 004-36:2 003-29:2 004-33:2 000-5:1 002-3.3.1:1 004-37:1 000-3:1 002-4.1.1:1", ""),
("国有资产管理不规范，出租收入未及时足额收缴", "official",
 "004-25:2 004-44:2 004-11:2 004-42.2:1", ""),
("公共文化服务体系建设存在短板", "official",
 "004-3:2 004-2.2:2 002-1.3.2:1 004-1.2:1", ""),
# colloquial
("开会都是一把手先说，其他班子成员不吭声", "colloquial",
 "003-24:2 003-23:2 003-21:1", ""),
("领导不用签到打卡，只管下面的人", "colloquial",
 "003-27:2 003-32:1", ""),
("快退休了就混日子，没干劲", "colloquial",
 "003-16:2 003-37:2 003-36:1 002-3.1.2:1 001-5:1", ""),
("交党费抹零头", "colloquial",
 "003-17:2", ""),
("下去调研就是走走看看，路线提前安排好的", "colloquial",
 "003-28:2", ""),
("会开得太多，开会就是念文件", "colloquial",
 "003-25:2 003-26:2 004-41.1:2", ""),
("单位公众号好几年都不更新", "colloquial",
 "003-7:2 000-2:1", ""),
("党员都不知道支部书记是谁", "colloquial",
 "003-16:2 002-3.3.2:1 003-18:1", ""),
# question
("哪些政协委员不履职、几年不交一份提案？", "question",
 "003-12:2 003-9:1 003-11:1 003-13:1", ""),
("重大执法决定有没有经过法制审核？", "question",
 "004-13.2:2 004-14:1 004-13.1:1", ""),
("退休干部返聘、兼职有没有按规定审批备案？", "question",
 "003-38:2", ""),
("党组织换届程序存在哪些问题？", "question",
 "003-20:2 004-35:2 000-8:1 001-4:1", ""),
("审计发现的问题为什么一直没整改完？", "question",
 "004-42.1:2 004-42.2:2 004-44:2 002-4.2.2:1", ""),
("班子成员个人有关事项没有如实报告的情况有吗？", "question",
 "000-4:2", ""),
("文学评奖和作品奖励有哪些不规范的地方？", "question",
 "002-1.2.2:2 000-10:2 000-1:1", ""),
("理论学习中心组学习流于形式有哪些表现？", "question",
 "003-2:2 004-4.5:2 000-2:2 003-1:1 001-1:1 000-1:1 004-41.3:1", ""),
# scenario
("单笔一万元以上的开支没有上党组会研究就直接支出了", "scenario",
 "003-22:2 000-11:1 003-34:1", ""),
("下属协会由在职处级干部当主席，副主席大多是企业老板", "scenario",
 "000-6:2 000-9:1", ""),
("机关临时聘用人员没签合同，工资以个人名义借支后造册发放", "scenario",
 "004-21:2 004-43:1", ""),
("博物馆和图书馆从免费开放资金里发绩效奖金", "scenario",
 "004-26.2:2 004-26.1:1", ""),
("游客中心建成后管理不善，财政资金没发挥效益", "scenario",
 "004-42.1:2 004-27:1", ""),
("上级要求一个月内巡查文物保护单位，局里只转发让区县自己查", "scenario",
 "004-18:2 004-1.3:1", ""),
("电竞酒店这类新业态只管安全生产，没有部门联合执法", "scenario",
 "004-15:2 004-13.1:1 004-14:1", ""),
("把单位的公众号和杂志交给私营公司运营", "scenario",
 "000-2:2 003-7:1", ""),
("两套公房多年收不回来，物业还由体育馆内设机构管着", "scenario",
 "004-11:2 004-42.2:2", ""),
# pasted
("党内组织生活不规范，“三会一课”制度落实不到位，主题党日活动流于形式，党建工作与业务工作结合不紧密，存在“两张皮”现象。", "pasted",
 "000-5:2 004-34:2 003-17:2 004-33:1 002-3.3.2:1 003-16:1", ""),
("部分专项资金未按规定用途使用，存在挤占挪用、超范围列支人员经费等问题，资金使用绩效不高，财政资金未充分发挥效益。", "pasted",
 "004-26.1:2 004-26.2:2 004-27:1 004-42.1:1 004-25:1", ""),
("议事决策机制不健全，党组会与行政办公会议事范围不清，以行政会代替党组会研究重大事项，会议记录不规范。", "pasted",
 "003-21:2 004-41.1:1 003-22:1 003-23:1 003-24:1", ""),
("落实网络意识形态工作责任制不到位，未建立网络安全应急处置预案，对网络舆情研判不及时、应对不主动。", "pasted",
 "004-4.4:2 003-7:2 000-2:1 004-4.2:1", ""),
("干部日常监督管理偏松偏软，好人主义盛行，请销假等纪律制度执行不严，部分干部作风散漫。", "pasted",
 "003-32:2 002-3.2.2:2 003-27:1", ""),
("对所属事业单位和代管企业监管缺位，部分单位财务制度不健全，领导班子长期未配齐，管理责任未压实。", "pasted",
 "004-12.1:2 004-12.2:2 004-41.5:2 000-9:1 000-12:1 004-43:1 004-11:1", ""),
# abbrev
("三重一大", "abbrev", "000-3:2 003-22:2 003-21:1", ""),
("一岗双责", "abbrev", "003-29:2 004-4.1:2", ""),
("三会一课", "abbrev", "000-5:2 003-17:2 004-34:2", ""),
("三龄两历一身份", "abbrev", "004-30:2 004-41.4:1", ""),
("两个责任", "abbrev",
 "002-2.1.1:2 002-2.2.1:2 002-2.2.2:2 003-29:2 004-36:2 004-38:2 002-4.1.1:1 002-4.1.2:1 004-33:1 002-3.3.1:1", ""),
("十四五规划", "abbrev", "004-5:2 004-6:2 004-7:1 004-8:1", ""),
# ---------------- hard negatives (share words, no answer) ----------------
("公车私用", "keyword", "",
 "No leaf concerns official vehicles; the only 车 in the corpus is the idiom 船到码头车到站 (003-16, about cadres coasting to retirement)."),
("领导干部亲属违规经商办企业，利用职务影响谋取私利", "official", "",
 "No leaf mentions relatives (亲属) or cadres running businesses. 000-6 has company heads serving as association vice-chairs and 003-38 has retired cadres holding posts, but neither involves relatives' businesses or private gain."),
("村干部优亲厚友，低保名额都给了亲戚", "colloquial", "",
 "The corpus covers a 文联, a 作协, a county 政协 and a city 文旅广体局; there are no village cadres, 低保 or favouritism in welfare allocation."),
("驻村工作队员长期不在村，吃住都在县城走读", "scenario", "",
 "004-26.1 mentions 驻村工作队 but only because its costs were paid from lottery welfare funds (a fund-use problem). No leaf covers team members being absent from the village."),
("有没有医保基金被欺诈骗保的问题？", "question", "",
 "医保 appears only in 004-26.2, where 医保金 is one of the staff costs wrongly charged to the free-opening special fund. There is no medical-insurance fraud."),
("办公用房面积超标", "keyword", "",
 "No leaf covers office space standards. 004-11 and 004-42.2 are about unrecovered public housing and property management, not oversized offices."),
("部分领导干部借婚丧喜庆事宜大操大办，违规收受管理服务对象礼金，借机敛财，造成不良社会影响。", "pasted", "",
 "No leaf mentions banquets, gifts or 礼金 (grep 礼/婚/宴 finds nothing). '造成不良影响' shows up in 000-8/000-10, but those are about elections and award payments."),
("两不愁三保障", "abbrev", "",
 "No poverty-alleviation outcome standards. 003-4 names 扶贫 activities (三个一扶贫行动) only as 政协 events the members were not organised to join well, and 004-26.1 is about fund use."),
# ---------------- off-domain ----------------
("张家界旅游攻略，门票多少钱", "offdomain", "",
 "A tourism/consumer query. 张家界 appears only as the city in 000-2 (a magazine name); no leaf is about travel information."),
("桑植县明天天气怎么样", "offdomain", "",
 "A weather query. 桑植 only names the county 政协 in 003-7/003-12/003-15."),
("新能源汽车购置税减免政策", "offdomain", "",
 "A tax policy question. It has nothing to do with inspection findings."),
("个人所得税专项附加扣除怎么填报", "offdomain", "",
 "A personal tax-filing question. 专项 occurs in the corpus only as 专项资金/专项检查/专项规划."),
("how to reset a wifi router password", "offdomain", "",
 "An English IT how-to query with no relation to the Chinese inspection corpus."),
]

with open(os.path.join(HERE, "queries.jsonl"), "w", encoding="utf-8") as fo:
    for q, st, spec, note in Q:
        fo.write(json.dumps({"q": q, "style": st, "relevant": R(spec), "note": note},
                            ensure_ascii=False) + "\n")
print(len(Q), "queries written")
