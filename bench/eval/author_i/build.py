#!/usr/bin/env python3
"""Build queries.jsonl for author I from the graded list below.
text_start is always read from problems.txt (first 15 characters of the leaf text)."""
import json, os, re

HERE = os.path.dirname(os.path.abspath(__file__))

def load_problems(path=os.path.join(HERE, "problems.txt")):
    leaves = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        head, heading, text = line.split(" | ", 2)
        f, pid, parent, kind = head.split()
        if kind == "L":
            leaves[(f, pid)] = text
    return leaves

def parse_id(s):
    return int(s) if re.fullmatch(r"\d+", s) else s

# (query, style, "file:id:grade ...", note)
G = [
 # ---------------- answerable ----------------
 ("三会一课", "keyword", "000:5:2 003:17:2 004:34:2 002:3.3.2:1 003:19:1", ""),
 ("党费收缴", "keyword", "003:17:2", ""),
 ("意识形态", "keyword", "000:2:2 003:5:2 003:7:2 004:4.1:2 004:4.2:2 004:4.3:2 004:4.4:2 003:6:1 004:3:1 000:1:1", ""),
 ("国有资产管理", "keyword", "004:11:2 004:25:2 004:44:1", ""),
 ("因私出国", "keyword", "003:30:2 004:41.4:2", ""),
 ("干部档案", "keyword", "004:30:2 004:41.4:2", ""),
 ("形式主义 官僚主义", "keyword", "000:7:2 002:2.3.2:2 003:27:2 003:28:2 004:16:2 004:17:2 004:41.3:2 002:2.3.1:1 003:25:1 003:26:1", ""),
 ("廉政风险", "keyword", "000:12:2 004:40:2", ""),
 ("民主集中制执行不到位，议事决策程序不规范", "official", "000:3:2 003:21:2 003:22:2 003:23:2 003:24:2 002:3.1.1:1 004:41.1:1", ""),
 ("落实全面从严治党主体责任不到位", "official", "002:2.1.1:2 004:36:2 003:29:1 004:33:1 002:3.3.1:1 000:5:1 004:37:1", ""),
 ("纪检监察组履行监督责任不到位", "official", "002:2.2.1:2 003:31:2 004:38:2 002:2.2.2:1 002:4.1.2:1 004:39:1", ""),
 ("上轮巡察反馈问题整改不到位，问题反弹回潮", "official", "002:4.2.2:2 004:41.3:2 004:41.1:1 004:41.2:1 004:41.4:1 004:41.5:1 002:4.1.1:1 002:4.2.1:1 004:42.1:1 004:42.2:1 004:44:1 004:3:1", ""),
 ("干部选拔任用程序不规范", "official", "004:29:2 002:3.2.1:2 004:28:1 000:8:1 000:6:1", ""),
 ("财经纪律执行不严，报销凭证审核把关不严", "official", "003:34:2 003:35:2 004:24:1 004:22:1 004:41.5:1", ""),
 ("网络意识形态工作责任制不落实，舆情应对不主动", "official", "004:4.4:2 003:7:2 000:2:1", ""),
 ("领导开会不让别人说话，一个人说了算", "colloquial", "003:23:2 003:24:2 000:3:1 003:21:1", ""),
 ("单位干部年纪都偏大，没有年轻人顶上来", "colloquial", "003:36:2 004:31:1 003:37:1", ""),
 ("开会就是念念文件，也不提具体要求", "colloquial", "003:26:2 003:25:1 004:41.1:1", ""),
 ("领导不用打卡，只有普通干部要签到", "colloquial", "003:27:2 003:32:1", ""),
 ("政协委员开会请假一大堆，几年都不交提案", "colloquial", "003:12:2 003:9:1 003:13:1 003:11:1", ""),
 ("退休干部返聘没走审批", "colloquial", "003:38:2", ""),
 ("房子租出去了租金一直收不回来", "colloquial", "004:44:2 004:25:1 004:11:1", ""),
 ("上面让查文物安全，局里只转个文件让下面自己查", "colloquial", "004:18:2", ""),
 ("哪些单位存在挤占挪用专项资金的问题？", "question", "004:26.1:2 004:26.2:2 004:25:1 000:11:1", ""),
 ("有没有单位被指出党建和业务两张皮？", "question", "000:5:2 004:4.1:1 004:33:1", ""),
 ("巡察发现的党组织换届不规范问题有哪些？", "question", "003:20:2 004:35:2 000:8:1 001:4:1", ""),
 ("临时工聘用有哪些不规范的情况？", "question", "004:21:2 004:43:2 004:41.4:1", ""),
 ("哪些单位的行政执法存在问题？", "question", "004:13.1:2 004:13.2:2 004:14:2 004:15:1", ""),
 ("我们单位下个月被巡察，食堂账目要注意什么", "scenario", "004:20:2 004:22:1 004:24:1", ""),
 ("下周巡察组进驻，我们的支部手册和党建台账要准备哪些", "scenario", "003:18:2 000:5:1", ""),
 ("我们是主管部门，下属协会的财务要怎么管才不被巡察点名", "scenario", "000:9:2 000:12:2 004:41.5:1 001:7:1", ""),
 ("局里要迎接巡察，政府采购合同应该怎么签才合规", "scenario", "004:23:2", ""),
 ("某局党组理论学习中心组学习流于形式，学习计划不具体，研讨交流不深入，联系实际不紧密，学用脱节问题比较突出。", "pasted",
  "003:2:2 004:4.5:2 003:1:1 000:2:1 001:1:1 004:41.3:1 000:1:1", ""),
 ("该单位对所属二级单位监管乏力，部分二级单位领导班子长期未配齐，财务制度不健全，对代管企业缺乏有效监管手段。", "pasted",
  "004:12.1:2 004:12.2:2 004:41.5:2 004:43:1", ""),
 ("某文化单位把社会主义核心价值观融入文艺创作不够，送戏下乡等惠民演出内容陈旧，公共文化服务供给质量不高，群众满意度较低。", "pasted",
  "004:2.1:2 004:1.2:2 004:3:1 002:1.1.1:1 002:1.3.2:1", ""),
 ("三重一大", "abbrev", "000:3:2 003:22:2 003:21:1", ""),
 ("一岗双责", "abbrev", "003:29:2 004:4.1:2", ""),
 ("船到码头车到站", "abbrev", "003:16:2 003:37:2", ""),
 ("指尖上的形式主义", "abbrev", "004:16:2", ""),
 # ---------------- hard negatives (same domain, absent problem) ----------------
 ("公车私用", "keyword", "", "hard negative: no leaf mentions official vehicles (公车/车辆/用车 absent); the generic 八项规定 leaf 004/19 only says 厉行节约意识不强"),
 ("小金库", "keyword", "", "hard negative: no off-book funds (小金库/账外 absent); finance leaves are about vouchers, accounting, procurement, special funds"),
 ("保密管理", "keyword", "", "hard negative: secrecy/confidentiality work (保密) never mentioned"),
 ("酒驾醉驾", "keyword", "", "hard negative: no drunk-driving or drinking cases (酒驾/醉驾/喝酒 absent; 酒 only in 电竞酒店/羽星酒店)"),
 ("领导干部配偶子女违规经商办企业", "official", "", "hard negative: no family-business issues (经商/配偶/子女 absent); 000/4 is only 未如实报告个人事项"),
 ("信访举报件办理不及时，群众反映强烈的问题长期得不到解决", "official", "", "hard negative: petitions/complaint handling (信访/举报) absent"),
 ("办公用房面积超标，未按规定清理腾退", "official", "", "hard negative: office space (办公用房/腾退) absent; 004/11 is about unrecovered public housing units, not oversized offices"),
 ("地方政府隐性债务风险化解不力", "official", "", "hard negative: government debt (债务) absent"),
 ("领导收了老板送的购物卡", "colloquial", "", "hard negative: no gift/bribe receiving (购物卡/礼金/红包/收受 absent)"),
 ("有党员干部偷偷烧香拜佛信教", "colloquial", "", "hard negative: religious belief of Party members (宗教/信教) absent"),
 ("村干部把低保名额给了自己亲戚", "colloquial", "", "hard negative: village cadres, 低保, relatives absent (村 only in 送戏下乡/驻村工作队)"),
 ("巡视有没有发现疫情防控物资管理的问题？", "question", "", "hard negative: epidemic prevention (疫情/防控物资) absent"),
 ("哪个单位被指出土地出让金征收不到位？", "question", "", "hard negative: land revenue (土地/出让金) absent; corpus units are 文联/作协/政协/文旅局"),
 ("我们学校要迎接巡察，招生录取和学籍管理要查哪些", "scenario", "", "hard negative: schools/admissions (学校/招生/学籍) absent"),
 ("我们是国企，巡视前要不要自查违规放贷和对外担保", "scenario", "", "hard negative: lending/guarantees (放贷/担保/借贷) absent; 004/12.2 代管企业 is about supervision of managed firms, not lending"),
 ("该市住建局在保障性住房分配中把关不严，部分不符合条件人员违规享受保障房，房产中介与内部人员勾连，群众信访举报较多。", "pasted", "", "hard negative: social housing allocation (保障/住房/中介/信访) absent"),
 ("扫黑除恶 保护伞", "abbrev", "", "hard negative: anti-gang campaign (扫黑/保护伞/黑恶) absent"),
 ("农村三资管理", "abbrev", "", "hard negative: rural collective assets/funds/resources (三资) absent; 集体 only in 集体领导/集体讨论"),
 # ---------------- off-domain ----------------
 ("明天北京天气怎么样", "offdomain", "", "off-domain: weather"),
 ("红烧肉的做法", "offdomain", "", "off-domain: recipe"),
 ("世界杯决赛比分", "offdomain", "", "off-domain: sports"),
 ("python 如何读取 csv 文件", "offdomain", "", "off-domain: programming"),
 ("手机充电很慢怎么办", "offdomain", "", "off-domain: consumer electronics"),
 ("推荐几本科幻小说", "offdomain", "", "off-domain: book recommendation"),
]

def main():
    leaves = load_problems()
    out = []
    for q, style, rel, note in G:
        relevant = []
        for tok in rel.split():
            f, pid, g = tok.split(":")
            text = leaves[(f, pid)]  # KeyError if not a leaf
            relevant.append({"file": f, "id": parse_id(pid), "grade": int(g), "text_start": text[:15]})
        out.append({"q": q, "style": style, "relevant": relevant, "note": note})
    with open(os.path.join(HERE, "queries.jsonl"), "w", encoding="utf-8") as fh:
        for o in out:
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")
    print("wrote", len(out), "queries")

if __name__ == "__main__":
    main()
