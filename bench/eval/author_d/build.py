# builds queries.jsonl from the judgement table below
import json
P = {}
for line in open('/work/wt/annot_d/problems.txt', encoding='utf-8'):
    parts = line.rstrip('\n').split(' | ')
    f, i, par, lt = parts[0].split()
    P[(f, i)] = (lt, parts[1], parts[2])

def R(spec):
    out = []
    for tok in spec.split():
        fi, g = tok.split(':')
        f, i = fi.split('/')
        assert P[(f, i)][0] == 'L', tok
        idv = int(i) if '.' not in i else i
        out.append({"file": f, "id": idv, "grade": int(g), "text_start": P[(f, i)][2][:15]})
    return out

Q = [
# colloquial
("班子开生活会互相批评不痛不痒，都不红脸", "colloquial", "003/19:2 003/32:1 004/34:1", ""),
("支部平时几乎不开会、不上党课", "colloquial", "000/5:2 003/17:2 004/34:2 003/19:1 003/18:1 003/16:1 002/3.3.2:1", ""),
("会开得太多太长，效率很低", "colloquial", "003/25:2 004/41.1:2 003/26:1", ""),
("当官的不用签到打卡，考勤只管普通职工", "colloquial", "003/27:2 003/32:1", ""),
("单位人员普遍年纪大，年轻骨干接不上", "colloquial", "003/36:2 003/37:1 004/31:1 004/32:1", ""),
("临时工没签合同，工资先借出来再发", "colloquial", "004/21:2 004/43:1 004/41.4:1", "004/43 is temp-staff hiring procedure in general -> 1"),
("上回巡察指出的毛病改了又犯", "colloquial", "004/41.1:2 004/41.2:2 004/41.4:2 004/41.5:2 004/41.3:1 002/4.2.2:1 002/4.1.1:1 002/4.1.2:1 002/4.2.1:1", "004/41.x are items of 'previous inspection problems recurred'; audit items (004/42.x) excluded"),
# official
("党组抓从严管党的第一责任落空", "official", "002/2.1.1:2 003/29:2 004/36:2 004/37:1 004/33:1 002/3.3.1:1 000/5:1 000/3:1 002/4.1.1:1 003/16:1", ""),
("派驻的纪检组监督力量弱、作用不明显", "official", "002/2.2.1:2 002/2.2.2:2 003/31:2 004/38:2 004/39:1 002/4.1.2:1", ""),
("思想舆论阵地管理和风险研判工作薄弱", "official", "000/2:2 003/5:2 003/7:2 004/4.1:2 004/4.2:2 004/4.3:2 004/4.4:2 003/6:1", "ideology-work items graded 2"),
("干部任免环节违反规定程序", "official", "004/29:2 002/3.2.1:2 004/28:2 000/8:1 000/6:1 003/38:1 004/30:1 003/24:1 003/22:1", ""),
("专款专用原则没守住", "official", "004/26.1:2 004/26.2:2 004/25:1 000/11:1 004/27:1 004/42.1:1", ""),
("对主管的社会团体和下属单位监管缺位", "official", "000/9:2 000/12:2 004/12.2:2 004/41.5:2 001/7:1 000/7:1 004/12.1:1 004/4.3:1 004/40:1", ""),
("单位廉洁隐患底数不清、防范手段不足", "official", "000/12:2 004/40:2 002/2.1.2:1 004/39:1 000/11:1 004/37:1", ""),
# concrete
("机关食堂账目虚列开支", "concrete", "004/20:2 004/22:1", ""),
("开会发纪念品、采购档案袋超标", "concrete", "003/33:2 004/19:1", ""),
("采购的合同由科室自己盖章，收货验收马马虎虎", "concrete", "004/23:2", ""),
("图书馆文化馆用开放补助资金发人员工资", "concrete", "004/26.2:2 004/26.1:1", ""),
("党费基数抹掉零头，交得不足额", "concrete", "003/17:2", ""),
("退休的干部被返聘没报组织部备案", "concrete", "003/38:2", ""),
("酒店租金多年没收上来", "concrete", "004/44:2 004/25:1 004/11:1", ""),
# symptom
("公众号和杂志交给私人公司运营", "symptom", "000/2:2", ""),
("单位官方微信号两年多没更新过", "symptom", "003/7:2 004/4.4:1", ""),
("会上只念文件，不布置具体怎么干", "symptom", "003/26:2 003/3:1", ""),
("开全会时上百名委员请假，任期内一个提案都没交", "symptom", "003/12:2 003/9:1 003/13:1 003/11:1", ""),
("提案的办复材料找不全了", "symptom", "003/14:2 003/18:1", "003/18 (party-building records badly archived) graded 1"),
("议事记录只有结论，看不到其他人发言表态", "symptom", "003/23:2 003/24:2 003/21:1", ""),
("好几个乡镇联络组没人当组长", "symptom", "003/15:2 004/12.1:1", ""),
# question
("党组集中学习有没有走过场？", "question", "003/2:2 004/4.5:2 003/1:1 000/2:1 000/1:1 001/1:1 004/41.3:1 003/3:1", ""),
("党建和业务是不是脱节了？", "question", "000/5:2 004/4.1:1 004/33:1", ""),
("网络和信息安全方面查出过什么问题？", "question", "003/7:2 004/4.4:2", ""),
("审计查出的毛病改完了没有？", "question", "004/42.1:2 004/42.2:2 004/44:2", ""),
("执法检查结果有没有对外公布？", "question", "004/13.2:2 004/14:1 004/13.1:1 004/15:1", ""),
("十四五规划有没有排出时间表、路线图？", "question", "004/6:2 004/5:2 004/7:1 004/8:1 004/2.2:1", ""),
# term
("三会一课", "term", "000/5:2 003/17:2 004/34:2 003/19:1 003/18:1", ""),
("八项规定", "term", "003/33:2 004/19:2 004/20:1 000/10:1 000/11:1", "only concrete 8-rule violations graded; other items merely filed under an 8-rule heading not included"),
("一岗双责", "term", "003/29:2 004/4.1:2", ""),
("三重一大", "term", "000/3:2 003/22:2 003/21:1 003/23:1 003/24:1", ""),
("形式主义官僚主义", "term", "002/2.3.1:2 002/2.3.2:2 003/27:2 003/28:2 004/16:2 004/17:2 000/7:2 004/41.3:2 003/25:1 003/26:1 003/10:1 003/2:1 004/18:1", ""),
("三龄两历一身份", "term", "004/30:2 004/41.4:1", ""),
# hard negatives
("扫黑除恶 保护伞", "term", "", "hard negative"),
("有官员出入私人会所", "concrete", "", "hard negative"),
("干部家里办酒席大操大办收份子钱", "colloquial", "", "hard negative"),
("逢年过节收下属送的礼金购物卡", "concrete", "", "hard negative"),
("有没有干部酒后驾车被查处？", "question", "", "hard negative"),
("有党员聚众打牌赌钱", "colloquial", "", "hard negative"),
("群众信访件积压、长期没人回复", "symptom", "", "hard negative"),
("骗取套取医保基金", "concrete", "", "hard negative; 医保 appears in 004/26.2 but as a salary item, not fraud"),
("生产安全事故迟报瞒报", "official", "", "hard negative; 安全生产 appears in 004/15 (e-sports hotels) but not accident reporting"),
("地方政府隐性债务风险底数不清", "official", "", "hard negative"),
("干部违规买卖股票、参与民间借贷", "concrete", "", "hard negative"),
("统计报表数据造假、虚报经济指标", "symptom", "", "hard negative; 虚报 appears in 004/20 (canteen) only"),
("违法占用耕地问题没改到位", "official", "", "hard negative"),
("生态环保督察指出的问题改得怎么样？", "question", "", "hard negative; rectification words shared, environmental topic absent"),
("村干部给自家亲戚评低保", "colloquial", "", "hard negative"),
# off-domain
("红烧肉的家常做法", "offdomain", "", "off-domain"),
("明天北京天气怎么样", "offdomain", "", "off-domain"),
("如何在Windows上安装Python", "offdomain", "", "off-domain"),
("二手手机回收价格", "offdomain", "", "off-domain"),
("高考志愿填报技巧", "offdomain", "", "off-domain"),
]

with open('/work/wt/annot_d/queries.jsonl', 'w', encoding='utf-8') as fo:
    for q, st, spec, note in Q:
        o = {"q": q, "style": st, "relevant": R(spec) if spec else []}
        if note: o["note"] = note
        fo.write(json.dumps(o, ensure_ascii=False) + '\n')
print(len(Q))
