"""The demo: Changzhou's trade delegation to Shenzhen, 22–23 October 2024 (``manage.py seed_demo``).

Names, titles, figures and dates of the trip follow the news report in ``shared/seed/``; the
wording is ours. What the report does not give is illustrative and marked so where it is shown:
times of day, the dates of earlier stages, capital arrivals, partner requests, follow-up tasks and
milestone dates. No credit code is given: inventing one for a real firm would pass for fact.

Records refer to each other by the short keys of this module (``"huarun"``, ``"chen_jinhu"``);
the command turns them into rows, finding existing ones by their natural keys.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

TRIP_START = dt.date(2024, 10, 22)
TRIP_END = dt.date(2024, 10, 23)
ILLUSTRATIVE = "（示意数据 illustrative）"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of October 2024 in Changzhou's (and Shenzhen's) time zone."""
    return dt.datetime(2024, 10, day, hour, minute, tzinfo=SHANGHAI)


# Bureau staff who own the records. They cannot sign in (no usable password) until an admin
# gives them one; reminders of the demo go to their example.com addresses.
USERS = {
    "zhangwei": {
        "username": "demo.zhangwei",
        "full_name": "张伟",
        "email": "zhangwei@example.com",
        "language": "zh-hans",
        "role": "manager",
    },
    "lina": {
        "username": "demo.lina",
        "full_name": "李娜",
        "email": "lina@example.com",
        "language": "zh-hans",
        "role": "editor",
    },
}

# code: (name, English name, parent code). Parents come before their children.
INDUSTRIES = {
    "new-energy": ("新能源", "New energy", None),
    "integrated-energy": ("综合能源", "Integrated energy services", "new-energy"),
    "synthetic-biology": ("合成生物", "Synthetic biology", None),
    "healthcare": ("医疗健康", "Healthcare", None),
    "artificial-intelligence": ("人工智能", "Artificial intelligence", None),
    "third-generation-semiconductors": ("第三代半导体", "Third-generation semiconductors", None),
    "low-altitude-economy": ("低空经济", "Low-altitude economy", None),
    "intelligent-manufacturing": ("智能制造", "Intelligent manufacturing", None),
    "robotics": ("机器人", "Robotics", "intelligent-manufacturing"),
    "precision-manufacturing": ("精密制造", "Precision manufacturing", "intelligent-manufacturing"),
    "new-materials": ("新材料", "New materials", None),
    "consumer-economy": ("大消费", "Consumer economy", None),
    "cross-border-ecommerce": ("跨境电商", "Cross-border e-commerce", "consumer-economy"),
    "commercial-complexes": ("商业综合体", "Shopping and commercial complexes", "consumer-economy"),
    "urban-development": ("城市建设运营", "Urban development and operation", None),
    "technology-finance": ("科技金融", "Technology finance and venture capital", None),
}

_HOME = {"is_home_side": True, "kind": "government", "city": "常州", "province": "江苏"}
_SHENZHEN = {"city": "深圳", "province": "广东"}
_CHANGZHOU = {"city": "常州", "province": "江苏"}

# key: fields of Company; "parent" and "owner" are keys, "industries" a list of codes.
COMPANIES = {
    # The home side -------------------------------------------------------------------------
    "cz_party": {
        **_HOME,
        "name": "中共常州市委员会",
        "short_name": "常州市委",
        "name_en": "CPC Changzhou Municipal Committee",
        "description": "常州市委。本次代表团由市委书记带队。",
    },
    "cz_gov": {
        **_HOME,
        "name": "常州市人民政府",
        "short_name": "常州市政府",
        "name_en": "Changzhou Municipal People's Government",
        "description": "常州市政府，分管副市长参加推介会并走访企业。",
    },
    "cz_hitech": {
        **_HOME,
        "name": "常州国家高新技术产业开发区管理委员会",
        "short_name": "常州高新区管委会",
        "name_en": "Administrative Committee of Changzhou National Hi-tech District",
        "description": "在深圳举办跨境电商产业推介会，并与乐荟跨境出海生态中心签署战略合作协议。",
        "industries": ["cross-border-ecommerce", "synthetic-biology"],
    },
    "cz_ipc": {
        **_HOME,
        "name": "常州市投资促进中心",
        "short_name": "常州市投促中心",
        "name_en": "Changzhou Investment Promotion Center",
        "description": "全市招商引资的服务与统筹部门，本系统的使用单位。",
    },
    # Partners ------------------------------------------------------------------------------
    "huarun": {
        **_SHENZHEN,
        "name": "华润集团",
        "short_name": "华润",
        "name_en": "China Resources Group",
        "fortune500_rank": 72,
        "industries": ["consumer-economy", "integrated-energy", "urban-development", "healthcare"],
        "owner": "zhangwei",
        "tags": ["央企", "世界500强"],
        "description": (
            "中央企业，2024年《财富》世界500强第72位。在常州的投资覆盖大消费、综合能源、"
            "城市建设运营和大健康；总投资20亿元的常州万象城是华东地区体量最大的单体万象城。"
        ),
    },
    "saiqiao": {
        **_SHENZHEN,
        "name": "赛桥生物",
        "short_name": "赛桥",
        "industries": ["synthetic-biology", "healthcare"],
        "owner": "lina",
        "tags": ["初创企业", "合成生物"],
        "description": (
            "合成生物治疗设备与耗材供应商，据介绍为国内唯一、全球前三家拥有完全自主知识产权和"
            "自主供应链的同类企业。在常州高新区建设合成生物治疗装备及高值耗材产业基地，"
            "作为面向未来的供应链基地。"
        ),
    },
    "szbl": {
        **_SHENZHEN,
        "name": "深圳湾实验室",
        "name_en": "Shenzhen Bay Laboratory",
        "kind": "research_institute",
        "industries": ["healthcare"],
        "owner": "zhangwei",
        "tags": ["重大科技创新载体"],
        "description": (
            "面向生命健康重大科学问题的科研平台，围绕肿瘤、代谢与心血管疾病、神经退行性疾病和"
            "传染病的预防、诊断与治疗，开展疾病机理、生命信息、创新药物、医学成像等研究，"
            "并推进成果转化与产业化。"
        ),
    },
    "aac": {
        **_SHENZHEN,
        "name": "瑞声科技",
        "short_name": "瑞声",
        "name_en": "AAC Technologies",
        "is_listed": True,
        "is_local_origin": True,
        "industries": ["precision-manufacturing"],
        "owner": "zhangwei",
        "tags": ["上市公司", "常州走出去"],
        "description": (
            "从常州起步、成长为全球知名的精密制造龙头企业；在常州投资设立了十余家企业，"
            "包括瑞声（中国）投资、瑞声精密、瑞声声学、瑞智科技等。"
        ),
    },
    "aac_china": {
        **_CHANGZHOU,
        "name": "瑞声（中国）投资",
        "parent": "aac",
        "industries": ["precision-manufacturing"],
        "description": "瑞声科技在常州设立的企业之一。",
    },
    "aac_precision": {
        **_CHANGZHOU,
        "name": "瑞声精密",
        "parent": "aac",
        "industries": ["precision-manufacturing"],
        "description": "瑞声科技在常州设立的企业之一。",
    },
    "aac_acoustics": {
        **_CHANGZHOU,
        "name": "瑞声声学",
        "parent": "aac",
        "industries": ["precision-manufacturing"],
        "description": "瑞声科技在常州设立的企业之一。",
    },
    "aac_ruizhi": {
        **_CHANGZHOU,
        "name": "瑞智科技",
        "parent": "aac",
        "industries": ["precision-manufacturing"],
        "description": "瑞声科技在常州设立的企业之一。",
    },
    "scgc": {
        **_SHENZHEN,
        "name": "深圳市创新投资集团有限公司",
        "short_name": "深创投",
        "name_en": "Shenzhen Capital Group",
        "kind": "investment_firm",
        "industries": ["technology-finance", "new-energy", "intelligent-manufacturing", "healthcare"],
        "owner": "zhangwei",
        "tags": ["创投", "基金"],
        "description": (
            "2008年在常州设立武进基金，此后在常州地区共设立5只基金，投向新能源、智能制造、"
            "医疗健康等领域；累计投资额超过30亿元，投资企业近30家，其中5家已成长为上市公司。"
        ),
    },
    "lehui_park": {
        **_SHENZHEN,
        "name": "深圳乐荟中心产业园",
        "short_name": "乐荟产业园",
        "kind": "park_operator",
        "industries": ["cross-border-ecommerce"],
        "owner": "lina",
        "tags": ["跨境电商"],
        "description": "深圳的产业园运营方，与常州商谈扩大跨境电商领域的合作。",
    },
    "lehui_hub": {
        **_SHENZHEN,
        "name": "深圳乐荟跨境出海生态中心",
        "short_name": "乐荟出海中心",
        "kind": "park_operator",
        "parent": "lehui_park",
        "industries": ["cross-border-ecommerce"],
        "owner": "lina",
        "tags": ["跨境电商"],
        "description": "服务跨境电商企业出海的生态平台，2024年10月22日与常州高新区管委会签署战略合作协议。",
    },
    "adlink": {
        **_SHENZHEN,
        "name": "深圳艾德领克数字技术",
        "short_name": "艾德领克",
        "industries": ["cross-border-ecommerce"],
        "owner": "lina",
        "tags": ["跨境电商"],
        "description": "跨境电商数字技术企业，其跨境独立站项目在常州高新区推介会上签约。",
    },
    "irepai": {
        "name": "爱瑞派跨境电商",
        "short_name": "爱瑞派",
        "industries": ["cross-border-ecommerce"],
        "owner": "lina",
        "tags": ["跨境电商"],
        "description": "跨境电商企业，其公共海外仓项目在常州高新区推介会上签约。",
    },
    "sf_drone": {
        **_SHENZHEN,
        "name": "顺丰集团丰翼无人机运营中心",
        "short_name": "顺丰丰翼",
        "industries": ["low-altitude-economy"],
        "owner": "zhangwei",
        "tags": ["低空经济", "无人机物流"],
        "description": "顺丰集团的无人机运营单位，2024年10月23日接待常州副市长一行。",
    },
    "dh_robotics": {
        **_SHENZHEN,
        "name": "深圳大寰机器人科技有限公司",
        "short_name": "大寰机器人",
        "industries": ["robotics", "artificial-intelligence"],
        "owner": "zhangwei",
        "tags": ["机器人"],
        "description": "深圳的机器人企业，2024年10月23日接待常州副市长一行。",
    },
}

# key: (company key, name, title, notes)
CONTACTS = {
    "chen_jinhu": ("cz_party", "陈金虎", "市委书记", "2024年10月率常州经贸代表团赴深圳。"),
    "hang_yong": ("cz_party", "杭勇", "市领导", "随团参加在深圳的相关活动。"),
    "pan_dongling": ("cz_gov", "潘冬铃", "副市长", "出席跨境电商推介会，并走访乐荟、顺丰丰翼和大寰机器人。"),
    "wang_cuijun": ("huarun", "王崔军", "总经理", ""),
    "shang_yuanfang": ("saiqiao", "商院芳", "创始人、董事长兼CEO", ""),
    "wu_yundong": ("szbl", "吴云东", "中国科学院院士", ""),
    "hu_xiaojun": ("szbl", "胡晓军", "党委书记", ""),
    "pan_zhengmin": ("aac", "潘政民", "行政总裁兼执行董事", ""),
    "zuo_ding": ("scgc", "左丁", "董事长", ""),
    "zhang_haochi": ("lehui_park", "张浩池", "董事长", ""),
}

TRIP = {
    "title": "常州经贸代表团赴深圳",
    "destination": "深圳",
    "start_date": TRIP_START,
    "end_date": TRIP_END,
    "leader": "chen_jinhu",
    "members": ["hang_yong", "pan_dongling"],
    "owner": "zhangwei",
    "purpose": (
        "对接粤港澳大湾区这一核心引擎，拓展常州与大湾区在科技、人才、产业、金融四方面的合作，"
        "为常州培育新质生产力寻找伙伴和项目。"
    ),
    "summary": (
        "两天里，市委书记带队走访华润集团、赛桥生物、深圳湾实验室、瑞声科技和深创投；"
        "常州高新区同期举办跨境电商产业投资合作推介会，现场签下1项战略合作协议和一批跨境项目；"
        "副市长另行拜访乐荟中心产业园、顺丰丰翼和大寰机器人。"
    ),
}

# key: fields of Meeting; companies and attendees are keys. Times of day are illustrative.
MEETINGS = {
    "huarun_talk": {
        "title": "与华润集团座谈交流",
        "kind": "talk",
        "starts_at": at(22, 9, 0),
        "ends_at": at(22, 10, 0),
        "location": "深圳 · 华润集团",
        "companies": ["huarun"],
        "attendees": ["chen_jinhu", "wang_cuijun"],
        "owner": "zhangwei",
        "summary": (
            "陈金虎介绍了常州以建设新能源之都为牵引、因地制宜培育新质生产力的思路，"
            "请华润继续看好并加大在常投入，把更多科技创新和产业资源带到常州，也为常州引来更多一线消费品牌。"
            "王崔军感谢常州长期以来的支持。"
        ),
        "outcomes": (
            "华润表示将发挥央企优势、壮大战略性新兴产业，争取更多项目在常州落地。"
            "已落地的常州万象城（总投资20亿元）开业约4个月，累计销售额超7.5亿元，客流接近800万人次。"
        ),
    },
    "saiqiao_visit": {
        "title": "参观赛桥生物",
        "kind": "site_visit",
        "starts_at": at(22, 10, 30),
        "ends_at": at(22, 11, 30),
        "location": "深圳 · 赛桥生物",
        "companies": ["saiqiao"],
        "attendees": ["chen_jinhu", "shang_yuanfang"],
        "owner": "lina",
        "summary": (
            "代表团察看了赛桥生物的合成生物治疗装备，设备在自动化、集成化、智能化上的创新给大家留下深刻印象。"
            "企业在常州高新区的产业基地正在抓紧施工。陈金虎表示，合成生物是新的黄金赛道，"
            "常州会认真听取企业需求，当好“店小二”“急郎中”。"
        ),
        "outcomes": "商院芳表示将力争基地早日竣工、早日达产，并带动上下游企业在常州协同创新。",
    },
    "szbl_visit": {
        "title": "参观深圳湾实验室展厅",
        "kind": "site_visit",
        "starts_at": at(22, 14, 0),
        "ends_at": at(22, 14, 45),
        "location": "深圳湾实验室展厅",
        "companies": ["szbl"],
        "attendees": ["chen_jinhu"],
        "owner": "zhangwei",
        "summary": "代表团在展厅了解实验室的发展历程、人才引进、重点项目和成果转化情况。",
        "outcomes": "",
    },
    "szbl_talk": {
        "title": "与深圳湾实验室座谈交流",
        "kind": "talk",
        "starts_at": at(22, 14, 45),
        "ends_at": at(22, 15, 45),
        "location": "深圳湾实验室",
        "companies": ["szbl"],
        "attendees": ["chen_jinhu", "wu_yundong", "hu_xiaojun"],
        "owner": "zhangwei",
        "summary": (
            "陈金虎认为实验室人才密集、平台齐全、成果丰硕，方向与常州产业高度契合，"
            "希望双方在人才引育、产业对接和成果转化上加深合作。"
        ),
        "outcomes": "胡晓军、吴云东表示实验室将发挥创新和人才优势，为两地高质量发展出力。",
    },
    "aac_negotiation": {
        "title": "与瑞声科技交流洽谈",
        "kind": "negotiation",
        "starts_at": at(22, 16, 30),
        "ends_at": at(22, 17, 30),
        "location": "深圳 · 瑞声科技",
        "companies": ["aac"],
        "attendees": ["chen_jinhu", "pan_zhengmin"],
        "owner": "zhangwei",
        "summary": (
            "陈金虎感谢瑞声多年支持家乡建设，希望集团扩大在常投入，推动更多科技成果在常州产业化。"
            "瑞声在常已设立瑞声（中国）投资、瑞声精密、瑞声声学、瑞智科技等十余家企业。"
        ),
        "outcomes": "潘政民表示瑞声将坚持在常州发展，积极推进重大项目。",
    },
    "scgc_visit": {
        "title": "拜访深圳市创新投资集团",
        "kind": "visit",
        "starts_at": at(23, 9, 0),
        "ends_at": at(23, 10, 0),
        "location": "深圳 · 深创投",
        "companies": ["scgc"],
        "attendees": ["chen_jinhu", "zuo_ding"],
        "owner": "zhangwei",
        "summary": (
            "陈金虎与左丁就深化合作交换意见。深创投自2008年设立武进基金以来，已在常州地区设立5只基金，"
            "累计投资超30亿元、投资企业近30家，其中5家已上市。"
        ),
        "outcomes": "双方同意加大合作力度，在医疗健康、合成生物、新材料等方向深入交流，助力常州“1028”产业体系建设。",
    },
    "lehui_visit": {
        "title": "拜访深圳乐荟中心产业园",
        "kind": "visit",
        "starts_at": at(22, 13, 30),
        "ends_at": at(22, 14, 15),
        "location": "深圳乐荟中心产业园",
        "companies": ["lehui_park"],
        "attendees": ["pan_dongling", "zhang_haochi"],
        "owner": "lina",
        "summary": "推介会开始前，潘冬铃与张浩池商谈产业园与常州加强合作、扩大跨境电商合作领域。",
        "outcomes": "",
    },
    "conference": {
        "title": "龙城跨越·深连世界 2024常州高新区(深圳)跨境电商产业投资合作推介会",
        "kind": "promotion_event",
        "starts_at": at(22, 14, 30),
        "ends_at": at(22, 16, 30),
        "location": "深圳",
        "companies": ["cz_hitech", "lehui_hub", "adlink", "irepai"],
        "attendees": ["pan_dongling"],
        "owner": "lina",
        "summary": "副市长潘冬铃出席。常州高新区向与会企业介绍产业基础和投资环境，随后举行集中签约。",
        "outcomes": (
            "签署深圳乐荟跨境出海生态中心与常州高新区管委会战略合作协议；"
            "艾德领克跨境独立站、爱瑞派跨境电商公共海外仓等跨境项目签约。"
        ),
    },
    "sf_drone_visit": {
        "title": "拜访顺丰集团丰翼无人机运营中心",
        "kind": "visit",
        "starts_at": at(23, 9, 30),
        "ends_at": at(23, 10, 30),
        "location": "深圳 · 顺丰丰翼",
        "companies": ["sf_drone"],
        "attendees": ["pan_dongling"],
        "owner": "zhangwei",
        "summary": (
            "潘冬铃一行与企业商谈合作。常州将深入实施“532”发展战略，聚焦新能源、合成生物、人工智能、"
            "第三代半导体、低空经济等产业，欢迎企业来常投资。"
        ),
        "outcomes": "",
    },
    "dh_robotics_visit": {
        "title": "拜访深圳大寰机器人科技有限公司",
        "kind": "visit",
        "starts_at": at(23, 11, 0),
        "ends_at": at(23, 12, 0),
        "location": "深圳 · 大寰机器人",
        "companies": ["dh_robotics"],
        "attendees": ["pan_dongling"],
        "owner": "zhangwei",
        "summary": "潘冬铃一行了解企业业务，邀请企业到常州考察投资，共谋发展。",
        "outcomes": "",
    },
}

# key: fields of Project; "stages" is the path the demo walks with the stage services: the first
# entry is the stage the project is created at (its reason unused: creation records 创建项目),
# each later one a move. Dates before the trip are illustrative. A project whose agreement is
# signed at the conference moves to 签约 with it.
PROJECTS = {
    "mixc": {
        "name": "常州万象城",
        "company": "huarun",
        "kind": "commercial",
        "industries": ["commercial-complexes"],
        "total_investment": Decimal("2000000000.00"),
        "owner": "zhangwei",
        "team": ["lina"],
        "description": (
            "华润在常州的商业综合体，总投资20亿元，华东地区单体规模最大的万象城。"
            "截至2024年10月开业约4个月：累计销售额超过7.5亿元，客流近800万人次。"
        ),
        "stages": [
            ("construction", dt.date(2022, 3, 1), ""),
            ("production", dt.date(2024, 6, 28), "商场开业运营" + ILLUSTRATIVE),
        ],
    },
    "saiqiao_base": {
        "name": "赛桥生物合成生物治疗装备及高值耗材产业基地",
        "company": "saiqiao",
        "kind": "industrial",
        "industries": ["synthetic-biology", "healthcare"],
        "location": "常州高新区",
        "owner": "lina",
        "team": ["zhangwei"],
        "description": (
            "赛桥生物在常州高新区建设的合成生物治疗装备和高值耗材生产基地，定位为未来供应链产业基地；"
            "2024年10月正在加紧建设，企业承诺争取早竣工、早达产。总投资未披露。"
        ),
        "stages": [
            ("signed", dt.date(2024, 1, 15), ""),
            ("construction", dt.date(2024, 5, 20), "产业基地开工建设" + ILLUSTRATIVE),
        ],
    },
    "adlink_site": {
        "name": "艾德领克跨境独立站项目",
        "company": "adlink",
        "kind": "commercial",
        "industries": ["cross-border-ecommerce"],
        "location": "常州高新区",
        "owner": "lina",
        "description": "深圳艾德领克数字技术的跨境独立站项目，2024年10月22日在常州高新区（深圳）推介会上签约。",
        "stages": [("negotiating", TRIP_START, "")],
    },
    "irepai_warehouse": {
        "name": "爱瑞派跨境电商公共海外仓项目",
        "company": "irepai",
        "kind": "other",
        "industries": ["cross-border-ecommerce"],
        "location": "常州高新区",
        "owner": "lina",
        "description": "面向跨境电商企业的公共海外仓项目，2024年10月22日在常州高新区（深圳）推介会上签约。",
        "stages": [("negotiating", TRIP_START, "")],
    },
    "scgc_funds": {
        "name": "深创投常州基金合作（医疗健康、合成生物、新材料）",
        "company": "scgc",
        "kind": "fund",
        "industries": ["healthcare", "synthetic-biology", "new-materials"],
        "owner": "zhangwei",
        "description": (
            "拜访深创投后形成的合作意向：在已有5只在常基金（累计投资超30亿元、近30家企业、5家上市）的基础上，"
            "加大在医疗健康、合成生物、新材料方向的合作。规模待商定。"
        ),
        "stages": [("lead", TRIP_END, "")],
    },
}

# key: fields of Agreement, all signed at the conference on its day.
AGREEMENTS = {
    "lehui_strategic": {
        "title": "深圳乐荟跨境出海生态中心与常州高新区管委会战略合作协议",
        "kind": "strategic_cooperation",
        "companies": ["lehui_hub", "cz_hitech"],
        "meeting": "conference",
        "signed_on": TRIP_START,
        "summary": "双方围绕跨境电商企业出海服务建立战略合作关系。",
    },
    "adlink_investment": {
        "title": "艾德领克跨境独立站项目签约",
        "kind": "investment",
        "companies": ["adlink", "cz_hitech"],
        "meeting": "conference",
        "project": "adlink_site",
        "signed_on": TRIP_START,
        "summary": "跨境独立站项目落户常州高新区。",
    },
    "irepai_investment": {
        "title": "爱瑞派跨境电商公共海外仓项目签约",
        "kind": "investment",
        "companies": ["irepai", "cz_hitech"],
        "meeting": "conference",
        "project": "irepai_warehouse",
        "signed_on": TRIP_START,
        "summary": "跨境电商公共海外仓项目落户常州高新区。",
    },
}

# (project key, arrived_on, amount in yuan, note): illustrative ledger lines.
CAPITAL_ARRIVALS = [
    ("mixc", dt.date(2022, 6, 30), Decimal("600000000.00"), "首期资金到位" + ILLUSTRATIVE),
    ("mixc", dt.date(2023, 6, 30), Decimal("800000000.00"), "建设资金到位" + ILLUSTRATIVE),
    ("mixc", dt.date(2024, 6, 28), Decimal("400000000.00"), "开业前资金到位" + ILLUSTRATIVE),
]

# Fields of Milestone; "done_on" is recorded through the milestone service.
MILESTONES = [
    {
        "project": "saiqiao_base",
        "title": "产业基地开工",
        "kind": "construction_start",
        "due_on": dt.date(2024, 5, 20),
        "done_on": dt.date(2024, 5, 20),
        "assignee": "lina",
    },
    {
        "project": "saiqiao_base",
        "title": "产业基地竣工",
        "kind": "completion",
        "due_on": dt.date(2025, 6, 30),
        "assignee": "lina",
        "notes": "企业承诺“早竣工、早达产”。",
    },
    {
        "project": "saiqiao_base",
        "title": "装备及耗材产线投产",
        "kind": "production_start",
        "due_on": dt.date(2025, 12, 31),
        "assignee": "lina",
    },
    {
        "project": "saiqiao_base",
        "title": "产业基地达产",
        "kind": "full_production",
        "due_on": dt.date(2026, 12, 31),
        "assignee": "zhangwei",
    },
    {
        "project": "adlink_site",
        "title": "项目签约",
        "kind": "signing",
        "due_on": TRIP_START,
        "done_on": TRIP_START,
        "assignee": "lina",
    },
    {
        "project": "adlink_site",
        "title": "在常州高新区完成公司注册",
        "kind": "other",
        "due_on": dt.date(2024, 11, 30),
        "done_on": dt.date(2024, 11, 14),
        "assignee": "lina",
    },
    {
        "project": "irepai_warehouse",
        "title": "项目签约",
        "kind": "signing",
        "due_on": TRIP_START,
        "done_on": TRIP_START,
        "assignee": "lina",
    },
    {
        "project": "irepai_warehouse",
        "title": "确定海外仓运营主体和选址",
        "kind": "other",
        "due_on": dt.date(2025, 3, 31),
        "assignee": "lina",
    },
    {
        "project": "scgc_funds",
        "title": "提出新设基金合作方案",
        "kind": "other",
        "due_on": dt.date(2025, 3, 31),
        "assignee": "zhangwei",
    },
]

# Fields of PartnerRequest (企业诉求), illustrative: found again by company, raised_on and category.
REQUESTS = [
    {
        "company": "saiqiao",
        "meeting": "saiqiao_visit",
        "raised_on": TRIP_START,
        "category": "人才",
        "description": "希望协助招引合成生物装备研发和生产工艺方面的人才，并落实人才住房等配套。",
        "status": "in_progress",
        "assignee": "lina",
        "due_on": dt.date(2024, 12, 31),
    },
    {
        "company": "saiqiao",
        "meeting": "saiqiao_visit",
        "raised_on": TRIP_START,
        "category": "审批",
        "description": "希望基地竣工验收、消防验收等手续并联办理，保证按期投产。",
        "status": "open",
        "assignee": "lina",
        "due_on": dt.date(2025, 5, 31),
    },
    {
        "company": "saiqiao",
        "meeting": "saiqiao_visit",
        "raised_on": TRIP_START,
        "category": "用地",
        "description": "后续扩产需要新增用地，希望在高新区提前规划预留。",
        "status": "open",
        "assignee": "zhangwei",
        "due_on": dt.date(2025, 3, 31),
    },
    {
        "company": "lehui_hub",
        "meeting": "conference",
        "raised_on": TRIP_START,
        "category": "政策",
        "description": "希望明确落户常州高新区的跨境电商企业可享受的扶持政策。",
        "status": "resolved",
        "assignee": "lina",
        "due_on": dt.date(2024, 11, 30),
        "resolved_on": dt.date(2024, 11, 8),
        "resolution": "已提供高新区跨境电商扶持政策汇编，并指定专人对接。",
    },
    {
        "company": "sf_drone",
        "meeting": "sf_drone_visit",
        "raised_on": TRIP_END,
        "category": "审批",
        "description": "如在常州开展无人机物流试点，希望协调空域申请和起降场地手续。",
        "status": "open",
        "assignee": "zhangwei",
        "due_on": dt.date(2025, 1, 31),
    },
]


def _done(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=SHANGHAI)


# Fields of Task (跟进事项), illustrative: found again by meeting and title.
TASKS = [
    {
        "title": "对接华润导入一线消费品牌和产业科技资源",
        "meeting": "huarun_talk",
        "company": "huarun",
        "project": "mixc",
        "assignee": "zhangwei",
        "due_on": dt.date(2024, 12, 31),
        "priority": "high",
    },
    {
        "title": "督办赛桥基地建设进度，协调早竣工早达产",
        "meeting": "saiqiao_visit",
        "company": "saiqiao",
        "project": "saiqiao_base",
        "assignee": "lina",
        "due_on": dt.date(2024, 11, 30),
        "priority": "urgent",
        "status": "in_progress",
    },
    {
        "title": "拟定与深圳湾实验室人才引育和成果转化合作方案",
        "meeting": "szbl_talk",
        "company": "szbl",
        "assignee": "zhangwei",
        "due_on": dt.date(2024, 12, 15),
    },
    {
        "title": "跟进瑞声科技在常重大项目进展",
        "meeting": "aac_negotiation",
        "company": "aac",
        "assignee": "zhangwei",
        "due_on": dt.date(2024, 11, 30),
        "priority": "high",
    },
    {
        "title": "研究与深创投在医疗健康、合成生物、新材料方向的基金合作",
        "meeting": "scgc_visit",
        "company": "scgc",
        "project": "scgc_funds",
        "assignee": "zhangwei",
        "due_on": dt.date(2025, 1, 31),
    },
    {
        "title": "落实乐荟出海生态中心战略合作协议的首批事项",
        "meeting": "conference",
        "company": "lehui_hub",
        "agreement": "lehui_strategic",
        "assignee": "lina",
        "due_on": dt.date(2024, 12, 31),
    },
    {
        "title": "协助艾德领克跨境独立站项目办理注册落地",
        "meeting": "conference",
        "company": "adlink",
        "agreement": "adlink_investment",
        "project": "adlink_site",
        "assignee": "lina",
        "due_on": dt.date(2024, 11, 30),
        "priority": "high",
        "status": "done",
        "done_at": _done(dt.date(2024, 11, 14)),
    },
    {
        "title": "协助爱瑞派确定公共海外仓项目选址",
        "meeting": "conference",
        "company": "irepai",
        "agreement": "irepai_investment",
        "project": "irepai_warehouse",
        "assignee": "lina",
        "due_on": dt.date(2025, 3, 31),
        "status": "in_progress",
    },
    {
        "title": "邀请顺丰丰翼来常考察低空物流应用场景",
        "meeting": "sf_drone_visit",
        "company": "sf_drone",
        "assignee": "zhangwei",
        "due_on": dt.date(2024, 12, 31),
    },
    {
        "title": "邀请大寰机器人来常考察",
        "meeting": "dh_robotics_visit",
        "company": "dh_robotics",
        "assignee": "zhangwei",
        "due_on": dt.date(2024, 12, 31),
        "priority": "low",
    },
]
