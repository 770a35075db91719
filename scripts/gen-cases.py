#!/usr/bin/env python3
"""Generate realistic, unsigned `case` records (schemas/case.json) as JSON lines.

    scripts/gen-cases.py N [--seed S] [--start I] [-o FILE]

Prints N records, one per line, with the ids case-<I>, case-<I+1>, ... (six
digits at least).  Each record comes from its own random generator, seeded by
the seed and its index, so the output is the same on every run and record
case-000123 is the same whatever N and --start are: the first 1,000 lines of
a run of 100,000 are a run of 1,000.

The clients are the people 三社联动 case work serves in Lanzhou's districts,
as published accounts of the pilots describe them: elderly people living alone
or in empty nests, left-behind children and children in difficulty, disabled
people, families on minimum-living assistance, people with mental illness,
families who lost their only child, people in community corrections.  Each has
a consent, a needs assessment, a service plan (goals, interventions with ids),
a status from opening to closure, and sometimes referrals.  Records weigh 1.5
to 2.5 KB once signed; files just opened (no assessment yet) are smaller.

No record carries an id_number: like schemas/examples, generated data does
not print plausible identity numbers of real people.  Python standard library
only.
"""
import argparse
import datetime
import json
import random
import sys

# --- where: Lanzhou districts, street offices, communities ------------------

# (district, id prefix, street office, community, id, roads, housing estates)
COMMUNITIES = [
    ("城关区", "lzcg", "东岗西路街道", "兰园社区", "lanyuan", ["东岗西路"], ["兰园小区", "东岗西路家属院"]),
    ("城关区", "lzcg", "张掖路街道", "金塔巷社区", "jintaxiang", ["张掖路", "金塔巷"], ["金塔巷小区", "张掖路步行街住宅楼"]),
    ("城关区", "lzcg", "酒泉路街道", "曹家巷社区", "caojiaxiang", ["酒泉路", "曹家巷"], ["曹家巷小区", "酒泉路家属院"]),
    ("城关区", "lzcg", "皋兰路街道", "贤后街社区", "xianhoujie", ["皋兰路", "贤后街"], ["贤后街小区", "皋兰路住宅小区"]),
    ("城关区", "lzcg", "雁南街道", "南河新村社区", "nanhexincun", ["雁滩路", "南河路"], ["南河新村", "雁滩花园"]),
    ("城关区", "lzcg", "拱星墩街道", "拱星墩社区", "gongxingdun", ["东岗东路", "拱星墩路"], ["拱星墩小区", "东岗东路家属院"]),
    ("城关区", "lzcg", "伏龙坪街道", "伏龙坪社区", "fulongping", ["伏龙坪路"], ["伏龙坪小区", "上坪新村"]),
    ("城关区", "lzcg", "盐场路街道", "盐场堡社区", "yanchangbao", ["盐场路", "北滨河东路"], ["盐场堡小区", "盐场路家属院"]),
    ("城关区", "lzcg", "铁路东村街道", "铁路新村社区", "tieluxincun", ["火车站东路", "天水南路"], ["铁路新村", "铁路局家属院"]),
    ("城关区", "lzcg", "团结新村街道", "团结新村社区", "tuanjiexincun", ["天水北路", "团结新村路"], ["团结新村", "天水北路家属院"]),
    ("城关区", "lzcg", "渭源路街道", "渭源路社区", "weiyuanlu", ["渭源路", "武都路"], ["渭源路小区", "武都路家属院"]),
    ("城关区", "lzcg", "嘉峪关路街道", "嘉峪关东路社区", "jiayuguandonglu", ["嘉峪关东路", "嘉峪关西路"], ["嘉峪关小区", "火车站东路住宅楼"]),
    ("城关区", "lzcg", "焦家湾街道", "焦家湾社区", "jiaojiawan", ["焦家湾路", "东岗东路"], ["焦家湾小区", "东岗镇新村"]),
    ("城关区", "lzcg", "五泉街道", "五泉山社区", "wuquanshan", ["五泉南路", "五泉西路"], ["五泉山小区", "五泉花园"]),
    ("七里河区", "lzqlh", "西园街道", "西园社区", "xiyuan", ["西津东路", "西园路"], ["西园小区", "西津东路家属院"]),
    ("七里河区", "lzqlh", "建兰路街道", "建兰路社区", "jianlanlu", ["建兰路", "小西湖东街"], ["建兰路小区", "小西湖花园"]),
    ("七里河区", "lzqlh", "敦煌路街道", "敦煌路社区", "dunhuanglu", ["敦煌路", "硷沟沿"], ["敦煌路小区", "硷沟沿住宅楼"]),
    ("七里河区", "lzqlh", "西站街道", "西站社区", "xizhan", ["西站东路", "西津西路"], ["西站小区", "兰州西站家属院"]),
    ("七里河区", "lzqlh", "土门墩街道", "土门墩社区", "tumendun", ["西津西路", "土门墩路"], ["土门墩小区", "西津西路住宅楼"]),
    ("七里河区", "lzqlh", "龚家湾街道", "龚家湾社区", "gongjiawan", ["龚家湾路", "兰工坪路"], ["龚家湾小区", "兰工坪家属院"]),
    ("七里河区", "lzqlh", "秀川街道", "秀川社区", "xiuchuan", ["秀川路", "南滨河中路"], ["秀川新城", "南滨河小区"]),
    ("西固区", "lzxg", "西固城街道", "西固城社区", "xigucheng", ["西固中路", "西固东路"], ["西固城小区", "兰化家属院"]),
    ("西固区", "lzxg", "福利路街道", "福利东路社区", "fulidonglu", ["福利东路", "福利西路"], ["福利路小区", "石化家属院"]),
    ("西固区", "lzxg", "陈坪街道", "陈官营社区", "chenguanying", ["陈坪路", "北滨河西路"], ["陈官营小区", "陈坪新村"]),
    ("西固区", "lzxg", "先锋路街道", "先锋路社区", "xianfenglu", ["先锋路", "康乐路"], ["先锋路小区", "康乐路家属院"]),
    ("西固区", "lzxg", "临洮街街道", "临洮街社区", "lintaojie", ["临洮街", "合水路"], ["临洮街小区", "合水路住宅楼"]),
    ("安宁区", "lzan", "培黎街道", "培黎社区", "peili", ["安宁西路", "培黎街"], ["培黎小区", "培黎街家属院"]),
    ("安宁区", "lzan", "十里店街道", "十里店社区", "shilidian", ["安宁东路", "北滨河西路"], ["十里店小区", "师大家属院"]),
    ("安宁区", "lzan", "孔家崖街道", "孔家崖社区", "kongjiaya", ["安宁西路", "孔家崖路"], ["孔家崖小区", "安宁西路住宅楼"]),
    ("安宁区", "lzan", "银滩路街道", "银滩社区", "yintan", ["银滩路", "安宁南路"], ["银滩小区", "滨河花园"]),
    ("安宁区", "lzan", "西路街道", "万新社区", "wanxin", ["万新路", "安宁西路"], ["万新小区", "万新路家属院"]),
    ("红古区", "lzhg", "窑街街道", "下街社区", "xiajie", ["窑街路", "下街路"], ["下街小区", "窑街煤矿家属院"]),
    ("红古区", "lzhg", "海石湾镇", "海石湾社区", "haishiwan", ["平安路", "海石湾大道"], ["海石湾小区", "平安路住宅楼"]),
    ("红古区", "lzhg", "华龙街道", "华龙社区", "hualong", ["华龙路", "红古路"], ["华龙小区", "华龙新村"]),
]

# --- who: names -------------------------------------------------------------

# Family names as Lanzhou has them: many 马 (Hui families), 王, 张, 李 ...
SURNAMES = (["马"] * 6 + ["王"] * 6 + ["张"] * 5 + ["李"] * 5 + ["刘"] * 4 + ["杨"] * 3 +
            ["陈"] * 2 + ["赵"] * 2 + ["魏"] * 2 + ["何"] * 2 +
            list("黄周吴徐孙胡朱高林郭罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏白丁金师牛权雷"))
GIVEN = {
    ("elder", "female"): ["秀兰", "桂英", "玉兰", "秀英", "凤英", "淑珍", "玉珍", "桂兰", "秀珍", "兰英",
                          "翠花", "素芳", "凤兰", "玉梅", "桂芳", "秀芳", "淑英", "金花", "玉芳", "春花",
                          "冬梅", "桂香", "玉香", "彩霞", "月英", "凤琴"],
    ("elder", "male"): ["建国", "国华", "志明", "德福", "文华", "国庆", "建华", "玉山", "永福", "振华",
                        "德明", "保国", "长林", "福贵", "有才", "忠义", "占海", "学文", "树林", "世杰",
                        "明德", "治国", "占福", "有福", "进财", "生财"],
    ("adult", "female"): ["丽", "娟", "敏", "静", "燕", "艳", "霞", "红梅", "海燕", "晓燕", "丽娟",
                          "春燕", "小红", "雪梅", "晓红", "亚琴", "芳", "莉"],
    ("adult", "male"): ["伟", "强", "军", "磊", "勇", "涛", "斌", "鹏", "海军", "建军", "小军", "志强",
                        "国栋", "永刚", "文斌", "海龙", "亮", "刚"],
    ("child", "female"): ["子涵", "欣怡", "梓涵", "诗涵", "雨桐", "可欣", "语嫣", "思琪", "一诺",
                          "若曦", "雨欣", "佳怡", "梦瑶", "紫萱", "婉清", "悦", "萱", "晓雪"],
    ("child", "male"): ["浩然", "子轩", "宇轩", "梓豪", "俊杰", "宇航", "浩宇", "博文", "子墨",
                        "一鸣", "奕辰", "皓轩", "天佑", "嘉豪", "铭泽", "睿", "阳", "鑫"],
}

# --- why: profiles, categories and their needs -------------------------------

# (profile, weight, birth years, primary categories, extra categories)
PROFILES = [
    ("elder", 46, (1928, 1958), ["elderly-alone"] * 3 + ["elderly-empty-nest"] * 2 + ["lost-only-child"],
     ["low-income", "disabled"]),
    ("child", 30, (2006, 2017), ["left-behind-child"] * 3 + ["child-in-difficulty"] * 2 + ["unsupported-child", "orphan"],
     ["low-income", "disabled"]),
    ("adult", 24, (1960, 2001), ["disabled"] * 3 + ["low-income"] * 2 + ["mental-illness"] * 2 +
     ["community-corrections", "lost-only-child", "other"],
     ["low-income", "disabled"]),
]

NEEDS_OF = {
    "elderly-alone": ["companionship", "home-care", "health", "safety", "social-participation"],
    "elderly-empty-nest": ["companionship", "health", "social-participation", "home-care"],
    "left-behind-child": ["companionship", "education", "psychological", "safety"],
    "child-in-difficulty": ["education", "psychological", "material", "financial", "safety"],
    "orphan": ["material", "financial", "education", "psychological", "companionship"],
    "unsupported-child": ["material", "financial", "education", "companionship", "safety"],
    "disabled": ["home-care", "health", "empowerment", "employment", "financial"],
    "low-income": ["financial", "material", "employment"],
    "mental-illness": ["psychological", "health", "social-participation", "safety"],
    "lost-only-child": ["psychological", "companionship", "health"],
    "community-corrections": ["psychological", "employment", "legal", "social-participation"],
    "other": ["psychological", "legal", "material"],
}

# Per kind of service: (goals, interventions as (description, frequency, provider))
# where {c} is the community's short name and {w} the worker's name.
SERVICES = {
    "companionship": (
        ["每周至少一次探访或电话联系，孤独感自评由“经常”降到“有时”",
         "结对志愿者稳定陪伴，服务对象愿意主动倾诉"],
        [("助老志愿服务队结对探访，陪伴聊天，了解身体和生活状况", "每周一次", "{c}助老志愿服务队"),
         ("大学生志愿者“一对一”陪伴，周末开展读书和手工活动", "每周一次", "兰州大学青年志愿者协会"),
         ("社工电话问候，节假日上门看望", "每周两次", "{w}")]),
    "home-care": (
        ["居家环境安全，日常生活照料有人负责",
         "申请居家养老服务补贴，每周获得上门家政服务"],
        [("协调居家养老服务站上门打扫卫生、助浴、代购生活用品", "每周两次", "{c}居家养老服务站"),
         ("为卫生间和楼道加装扶手，更换防滑地垫", "一次", "{c}社区居委会"),
         ("联系老年食堂送餐上门", "每日", "{c}老年餐桌")]),
    "health": (
        ["签约家庭医生，按时复诊和服药",
         "慢性病得到规律管理，血压、血糖稳定在医生建议范围内"],
        [("转介社区卫生服务站签约家庭医生，每月上门测血压、血糖", "每月一次", "{c}卫生服务站"),
         ("志愿者陪同到医院复诊取药", "每月一次", "{c}助老志愿服务队"),
         ("协助办理慢性病门诊和医保报销手续", "一次", "{w}")]),
    "safety": (
        ["安装紧急呼叫设备，突发情况有人及时响应",
         "服务对象和家人掌握防诈骗、防火、防走失的基本知识"],
        [("安装燃气报警器和“一键通”紧急呼叫器，网格员每日巡查", "每日", "{c}网格员"),
         ("开展安全教育，讲解用电、用气和防诈骗常识", "每月一次", "{w}")]),
    "social-participation": (
        ["每月参加一次社区活动，结识至少两位可以往来的邻居",
         "重新建立社区支持网络，不再长期闭门不出"],
        [("邀请参加“银龄茶话会”小组，志愿者陪同上下楼", "每月一次", "{w}"),
         ("吸纳参加社区书法、秦腔兴趣小组", "每周一次", "{c}老年协会"),
         ("组织参加社区志愿服务，发挥个人特长", "每月两次", "{c}社区居委会")]),
    "psychological": (
        ["情绪低落和焦虑得到缓解，心理量表得分较评估时下降",
         "建立稳定的信任关系，愿意表达内心感受"],
        [("社工开展个案辅导，运用叙事疗法梳理经历和情绪", "每两周一次", "{w}"),
         ("链接心理咨询师开展专业咨询", "每月一次", "兰州市心理咨询志愿者团队"),
         ("组织同伴支持小组，分享经验、互相鼓励", "每月一次", "{w}")]),
    "education": (
        ["按时到校，学习成绩稳定并有所提高",
         "养成每日完成作业和阅读的习惯"],
        [("“四点半课堂”课后辅导作业", "每个工作日", "{c}四点半课堂"),
         ("与班主任建立联系，每月沟通在校表现", "每月一次", "{w}"),
         ("链接爱心企业资助学习用品和校服", "每学期一次", "{c}社区居委会")]),
    "material": (
        ["冬季取暖和基本生活物资有保障",
         "节假日和换季时获得必要的衣物和生活用品"],
        [("发放米、面、油和冬季取暖煤", "每季度一次", "{c}社区居委会"),
         ("链接爱心超市积分兑换生活用品", "每月一次", "{c}爱心超市")]),
    "financial": (
        ["符合条件的救助和补贴全部申请到位",
         "家庭基本生活开支有稳定来源"],
        [("协助申请城市最低生活保障和临时救助", "一次", "{w}"),
         ("协助申请残疾人两项补贴和高龄补贴", "一次", "{w}"),
         ("链接慈善基金会“微心愿”项目资助", "一次", "兰州市慈善总会")]),
    "empowerment": (
        ["掌握一项生活或职业技能，自我照顾能力提高",
         "参与制定自己的服务计划，对生活有更多掌控感"],
        [("参加残疾人康复训练和生活技能培训", "每周两次", "区残联康复中心"),
         ("开展优势视角个案工作，发掘个人能力和资源", "每两周一次", "{w}")]),
    "employment": (
        ["获得稳定的就业或公益性岗位",
         "参加职业技能培训并取得结业证书"],
        [("推荐参加人社部门免费职业技能培训", "一次", "区人社局就业服务中心"),
         ("协助申请社区公益性岗位", "一次", "{c}社区居委会"),
         ("链接爱心企业提供居家手工活", "每月一次", "{w}")]),
    "legal": (
        ["了解自身权利义务，法律问题得到专业解答",
         "按时报到，遵守社区矫正各项规定"],
        [("社区法律顾问提供法律咨询，协助申请法律援助", "每月一次", "区法律援助中心"),
         ("配合司法所开展教育学习和公益劳动", "每月一次", "{c}司法所")]),
    "other": (
        ["服务对象提出的具体困难得到回应"],
        [("社工跟进服务对象提出的其他需要，及时链接资源", "每月一次", "{w}")]),
}

REFERRALS = {
    "low-income": ("{d}民政局社会救助科", "申请城市最低生活保障，家庭人均收入低于当地低保标准"),
    "financial": ("{s}民政服务站", "申请临时救助，支付就医和取暖费用"),
    "health": ("{c}卫生服务站", "慢性病管理，签约家庭医生"),
    "disabled": ("{d}残疾人联合会", "办理残疾人证，申请康复辅具和两项补贴"),
    "mental-illness": ("兰州市第三人民医院", "精神科复诊评估，调整用药"),
    "education": ("{d}教育局学生资助中心", "申请教育资助和“两免一补”"),
    "employment": ("{d}人社局就业服务中心", "登记失业并推荐就业岗位"),
    "community-corrections": ("{s}司法所", "社区矫正日常管理和教育帮扶"),
    "legal": ("{d}法律援助中心", "赡养纠纷，申请法律援助"),
    "child-in-difficulty": ("{d}未成年人救助保护中心", "监护缺失，评估监护状况并落实临时监护"),
    "orphan": ("{d}民政局儿童福利科", "申请孤儿基本生活保障金"),
    "unsupported-child": ("{d}民政局儿童福利科", "认定事实无人抚养儿童并发放生活补贴"),
}

# --- how the worker writes: pieces of the assessment summary ----------------

# Living situations by category, each with who is called in an emergency:
# (sentence, household size, contacts); a contact is (relation, age group,
# gender or None for the client's spouse, shares the client's family name,
# what the worker writes about them or "").
_DAUGHTER = ("女儿", "adult", "female", False, "女儿在西安工作，每月电话联系两三次")
_SON = ("儿子", "adult", "male", True, "儿子在新疆打工，一年回家一次")
_SON_NEAR = ("儿子", "adult", "male", True, "儿子住在七里河区，周末偶尔来看望，但工作忙、经济也困难")
_NEPHEW = ("侄子", "adult", "male", True, "侄子偶尔来看望，帮忙买菜")
_NEIGHBOUR = ("邻居", "adult", "female", False, "对门邻居平时会照应一下")
_BLOCK = ("楼长", "adult", "male", False, "")
ELDER_LIVING = {
    "elderly-alone": [("丧偶独居", 1, [_DAUGHTER, _SON, _SON_NEAR, _NEIGHBOUR]),
                      ("老伴去世多年，一人居住", 1, [_DAUGHTER, _SON, _SON_NEAR, _BLOCK]),
                      ("独居，膝下无子女", 1, [_NEPHEW, _NEIGHBOUR, _BLOCK])],
    "elderly-empty-nest": [("与老伴同住，子女均在外地", 2, [_DAUGHTER, _SON]),
                           ("老两口同住，儿女成家后搬去外地", 2, [_DAUGHTER, _SON])],
    "lost-only-child": [("与老伴同住，唯一的儿子多年前因病去世", 2, [_NEPHEW, _NEIGHBOUR]),
                        ("失独多年，老伴去年去世后独居", 1, [_NEPHEW, _BLOCK])],
}
ELDER_HEALTH = ["患高血压、糖尿病，需长期服药", "膝关节退行性病变，上下楼困难", "患慢性支气管炎，冬季易发作",
                "轻度认知障碍，偶有忘关燃气的情况", "脑梗后遗症，左侧肢体活动不便", "视力下降，白内障未手术",
                "身体尚可，能够自理"]
ELDER_HARD = ["自述夜里睡不好、常感孤单", "冬季取暖和就医陪同有困难", "近两月很少出门，社交活动少",
              "担心生病时身边无人照应", "做饭、洗澡等日常生活需要帮助", "退休金微薄，医药费负担重"]
_GRANDMA = ("祖母", "elder", "female", True, "")
_GRANDPA = ("祖父", "elder", "male", True, "")
_GRANDMA_M = ("外祖母", "elder", "female", False, "")
_AUNT = ("姑姑", "adult", "female", True, "")
_UNCLE = ("叔叔", "adult", "male", True, "")
_FATHER = ("父亲", "adult", "male", True, "")
_MOTHER = ("母亲", "adult", "female", False, "")
CHILD_LIVING = {
    "left-behind-child": [("父母均在外务工，与祖父母一起生活", 3, [_GRANDMA, _GRANDPA]),
                          ("父亲在外务工，母亲离家多年，由奶奶照顾", 2, [_GRANDMA]),
                          ("父母在广东打工，由外祖父母照看", 3, [_GRANDMA_M])],
    "child-in-difficulty": [("母亲患重病卧床，家中无稳定收入", 4, [_FATHER]),
                            ("父母离异后随父亲生活，父亲长期酗酒", 2, [_FATHER, _AUNT]),
                            ("父亲残疾，母亲打零工维持生计", 4, [_MOTHER])],
    "orphan": [("父母双亡，由年迈的外祖父母抚养", 3, [_GRANDMA_M]),
               ("父母因车祸去世，由叔叔一家抚养", 5, [_UNCLE])],
    "unsupported-child": [("父亲服刑，母亲下落不明，由姑姑临时照看", 4, [_AUNT]),
                          ("父亲重度残疾，母亲离家失联，由奶奶照看", 3, [_GRANDMA, _GRANDPA])],
}
CHILD_SCHOOL = {  # by school: primary (6-11), junior (12-14), senior (15-17)
    "primary": ["在社区附近小学读书，成绩中等偏下", "读小学%s年级，语文和数学跟不上",
                "学习积极性不高，有时不完成作业", "成绩较好，但性格内向、少与同学交往",
                "经常迟到，班主任反映上课注意力不集中"],
    "junior": ["在读初中，数学和英语跟不上", "初中住校，周末回家，成绩下滑明显",
               "成绩较好，但性格内向、少与同学交往", "和同学发生过冲突，有厌学情绪"],
    "senior": ["在读中职，学习汽修专业", "高中在读，成绩中等，担心学费", "初中毕业后辍学在家半年，有复学意愿"],
}
GRADES = "一二三四五六"
CHILD_HARD = ["照顾的人年纪大或忙于生计，无力辅导功课", "放学后无人看管，常独自在外玩耍",
              "与父母联系少，情绪低落时不愿说话", "家庭经济困难，学习用品和冬衣不足",
              "有沉迷手机游戏的倾向", "居住环境拥挤，没有固定的学习地方"]
_SPOUSE = ("配偶", "adult", None, False, "配偶在家照顾，无其他收入")
_MOTHER_OLD = ("母亲", "elder", "female", False, "与年迈的母亲同住，互相照应")
_BROTHER = ("哥哥", "adult", "male", True, "哥哥住在同一小区，能帮些忙，但自家负担也重")
_SISTER = ("姐姐", "adult", "female", True, "姐姐在榆中县务农，很少来往")
ADULT_LIVING = {
    "disabled": [("肢体二级残疾，行动需借助轮椅", 2, [_SPOUSE, _MOTHER_OLD]),
                 ("听力残疾，与人沟通困难", 3, [_SPOUSE, _BROTHER]),
                 ("因工伤致残，失去劳动能力", 3, [_SPOUSE, _SISTER])],
    "low-income": [("下岗多年，靠打零工维持生活", 3, [_SPOUSE, _BROTHER]),
                   ("因病致贫，家中积蓄已花光", 4, [_SPOUSE, _SISTER]),
                   ("离异，独自抚养一个孩子，收入不稳定", 2, [_SISTER, _MOTHER_OLD])],
    "mental-illness": [("精神分裂症病史多年，病情基本稳定", 2, [_MOTHER_OLD, _BROTHER]),
                       ("患双相情感障碍，曾两次住院治疗", 2, [_MOTHER_OLD, _SISTER])],
    "community-corrections": [("社区矫正对象，缓刑考验期两年", 3, [_SPOUSE, _MOTHER_OLD]),
                              ("假释出狱，剩余刑期一年", 2, [_MOTHER_OLD, _BROTHER])],
    "lost-only-child": [("独生女前年病故，夫妻二人生活", 2, [_SPOUSE])],
    "other": [("遭受家庭暴力，暂住在亲戚家", 3, [_SISTER, _BROTHER]),
              ("刑满释放后无固定住所，借住朋友家", 1, [_SISTER, _BROTHER])],
}
ADULT_HARD = ["医药费支出大，家庭入不敷出", "找工作屡屡碰壁，信心不足", "不按时服药，病情有反复的风险",
              "对未来感到迷茫，情绪低落", "与邻里有矛盾，社区融入困难", "住房老旧，冬季取暖困难"]
LIVING = {"elder": ELDER_LIVING, "child": CHILD_LIVING, "adult": ADULT_LIVING}


def uuid7(rng, ms):
    """A UUIDv7-shaped id from `rng` at the time `ms` (for member ids)."""
    r = rng.getrandbits(74)
    return "%08x-%04x-7%03x-%04x-%012x" % (
        ms >> 16, ms & 0xFFFF, r >> 62, 0x8000 | ((r >> 48) & 0x3FFF), r & 0xFFFFFFFFFFFF)


# The agency's social workers: (name, member id), the same on every run.
_wrng = random.Random("sanshe-workers")
WORKERS = [(s + g, uuid7(_wrng, 1656633600000 + _wrng.randrange(86400000 * 90)))
           for s, g in zip(_wrng.choices(SURNAMES, k=36),
                           _wrng.choices(GIVEN[("adult", "female")] * 2 + GIVEN[("adult", "male")], k=36))]


def day(rng, start, end):
    """A date from `start` to `end` (datetime.date, inclusive)."""
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def later(d, rng, lo, hi):
    return d + datetime.timedelta(days=rng.randint(lo, hi))


def name(rng, age, gender, surname=None):
    return (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN[(age, gender)])


MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "153", "155", "157", "158", "159", "166", "177", "180", "181", "182", "186", "187",
                   "189", "199"]


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + "%08d" % rng.randrange(10 ** 8)


def landline(rng):
    return "0931-%d%06d" % (rng.choice([2, 4, 5, 6, 7, 8]), rng.randrange(10 ** 6))


def fill(text, comm, worker):
    return text.format(c=comm[3].removesuffix("社区"), w=worker)


def summary(rng, profile, age, cats, living, contact):
    """The assessment as a worker writes it: situation, health or school, family, difficulties."""
    parts = ["%d岁，%s" % (age, living)]
    if "low-income" in cats:
        parts.append("享受城市低保")
    if profile == "elder":
        parts.append("，".join(rng.sample(ELDER_HEALTH, 2)))
        hard = ELDER_HARD
    elif profile == "child":
        school = "primary" if age < 12 else "junior" if age < 15 else "senior"
        sentence = rng.choice(CHILD_SCHOOL[school])
        parts.append(sentence % GRADES[min(max(age - 6, 0), 5)] if "%s" in sentence else sentence)
        hard = CHILD_HARD
    else:
        hard = ADULT_HARD
    if contact[4]:
        parts.append(contact[4])
    parts.append("，".join(rng.sample(hard, rng.randint(2, 3))))
    return "。".join(parts) + "。"


def case(seed, index):
    """Record `index`, the same for a given seed whatever else is generated."""
    rng = random.Random("%s:%d" % (seed, index))
    profile, _, years, primaries, extras = rng.choices(PROFILES, weights=[p[1] for p in PROFILES])[0]
    comm = rng.choice(COMMUNITIES)
    district, prefix, street, community, cid, roads, estates = comm
    gender = rng.choices(["female", "male"], [3, 2] if profile == "elder" else [1, 1])[0]
    birth = day(rng, datetime.date(years[0], 1, 1), datetime.date(years[1], 12, 31))
    opened = day(rng, datetime.date(2021, 3, 1), datetime.date(2024, 6, 30))
    age = opened.year - birth.year - ((opened.month, opened.day) < (birth.month, birth.day))
    worker, worker_id = rng.choice(WORKERS)

    primary = rng.choice(primaries)
    cats = [primary] + [e for e in extras if e != primary and rng.random() < 0.25]
    living, household, contacts = rng.choice(LIVING[profile][primary])
    contact = rng.choice(contacts)
    unit = "household" if household > 1 and "low-income" in cats and rng.random() < 0.5 else "person"

    surname = rng.choice(SURNAMES)
    relation, age_group, contact_gender, same_surname, _ = contact
    contact_gender = contact_gender or ("male" if gender == "female" else "female")
    client = {
        "name": name(rng, profile, gender, surname),
        "gender": gender,
        "birth_date": birth.isoformat(),
        "phone": landline(rng) if profile == "elder" and rng.random() < 0.5 else mobile(rng),
        "address": "兰州市%s%s%d号%s%d号楼%d单元%d%02d室" % (
            district, rng.choice(roads), rng.randint(1, 899), rng.choice(estates),
            rng.randint(1, 24), rng.randint(1, 6), rng.randint(1, 18), rng.randint(1, 4)),
        "community": "%s-%s" % (prefix, cid),
        "household_size": household,
        "emergency_contact": {"name": name(rng, age_group, contact_gender, surname if same_surname else None),
                              "relation": relation, "phone": mobile(rng)},
    }
    if profile == "child":
        del client["phone"]  # the guardian is called

    status = rng.choices(["open", "assessed", "in-service", "referred", "closed"], [3, 8, 62, 9, 18])[0]
    doc = {"type": "case", "id": "case-%06d" % index, "unit": unit, "client": client,
           "categories": cats,
           "risk_level": rng.choices(["low", "medium", "high", "critical"], [30, 45, 20, 5])[0]}
    if status == "open" and rng.random() < 0.3:
        doc["consent"] = {"given": False}  # still talking it over
    elif profile == "child":
        doc["consent"] = {"given": True, "date": opened.isoformat(), "by": "guardian",
                          "signer_name": client["emergency_contact"]["name"]}
    elif "mental-illness" in cats and rng.random() < 0.5:
        doc["consent"] = {"given": True, "date": opened.isoformat(), "by": "family-member",
                          "signer_name": client["emergency_contact"]["name"]}
    else:
        doc["consent"] = {"given": True, "date": opened.isoformat(), "by": "client"}

    if status != "open":
        assessed = later(opened, rng, 3, 14)
        needs = []
        for c in cats:
            for n in rng.sample(NEEDS_OF[c], min(len(NEEDS_OF[c]), rng.randint(2, 3))):
                if n not in needs:
                    needs.append(n)
        needs = needs[:5]
        doc["needs_assessment"] = {"date": assessed.isoformat(), "assessor": worker_id,
                                   "summary": summary(rng, profile, age, cats, living, contact),
                                   "needs": needs}
        plan = {"goals": [], "interventions": []}
        for n in needs[:rng.randint(2, 4)]:
            goals, ivs = SERVICES[n]
            plan["goals"].append(rng.choice(goals))
            description, frequency, provider = rng.choice(ivs)
            plan["interventions"].append({
                "id": "iv-%02d" % (len(plan["interventions"]) + 1), "kind": n,
                "description": fill(description, comm, worker), "frequency": frequency,
                "provider": fill(provider, comm, worker),
                "start": later(assessed, rng, 2, 21).isoformat()})
        if status == "assessed":
            del plan["interventions"]  # planned, not started
        plan["review_date"] = later(assessed, rng, 60, 120).isoformat()
        doc["service_plan"] = plan
    doc["assigned_worker"] = worker_id
    doc["status"] = status

    reasons = [c for c in cats + doc.get("needs_assessment", {}).get("needs", []) if c in REFERRALS]
    if status == "referred" and not reasons:
        doc["status"] = status = "in-service"  # nowhere to refer to
    if reasons and (status == "referred" or (status != "open" and rng.random() < 0.3)):
        doc["referrals"] = []
        for r in rng.sample(reasons, min(len(reasons), rng.randint(1, 2))):
            to, reason = REFERRALS[r]
            doc["referrals"].append({
                "id": "rf-%02d" % (len(doc["referrals"]) + 1),
                "to": to.format(d=district, s=street, c=community.removesuffix("社区")),
                "reason": reason, "date": later(opened, rng, 7, 40).isoformat(),
                "status": rng.choices(["pending", "accepted", "declined", "completed"], [2, 5, 1, 3])[0]})
    doc["opened"] = opened.isoformat()
    if status == "closed":
        doc["closed"] = later(opened, rng, 150, 720).isoformat()
        doc["closure_reason"] = rng.choices(
            ["goals-met", "moved", "deceased", "declined", "referred-out", "other"],
            [60, 12, 10 if profile == "elder" else 0, 8, 10, 2])[0]
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="how many records")
    ap.add_argument("--seed", default="sanshe-bench", help="seed (default: sanshe-bench)")
    ap.add_argument("--start", type=int, default=0, help="index of the first record (default 0)")
    ap.add_argument("-o", "--output", help="file to write (default: standard output)")
    a = ap.parse_args()
    out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with out:
        out.writelines(dumps(case(a.seed, i)) + "\n" for i in range(a.start, a.start + a.n))


if __name__ == "__main__":
    main()
