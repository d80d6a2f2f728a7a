-- The Postgres Pro "airlines" demo database (schema bookings), rebuilt from memory at a few thousand rows.
-- Objects as the demo has them: jsonb translations read by views through bookings.lang() and current_setting,
-- a bookings.now() that freezes "today", CHECKs across columns, composite primary and foreign keys, a route
-- view with array_agg. Rows are made by generate_series so every rule of the demo holds on every row:
-- arrival after departure, status agrees with the actual times, total_amount = sum of the booking's lines,
-- boarding numbers 1..k per flight, seats taken from the aircraft's own seats of the ticket's fare class.
-- Names, phones and emails are made up (the demo's own are generated too).

CREATE SCHEMA bookings;
COMMENT ON SCHEMA bookings IS 'Airlines demo database';

CREATE FUNCTION bookings.now() RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE
    AS $sql$SELECT '2017-08-15 18:00:00'::TIMESTAMP AT TIME ZONE 'Europe/Moscow';$sql$;
COMMENT ON FUNCTION bookings.now() IS 'Point in time according to which the data are generated';

CREATE FUNCTION bookings.lang() RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  RETURN current_setting('bookings.lang');
EXCEPTION
  WHEN undefined_object THEN
    RETURN NULL;
END;
$$;

CREATE TABLE bookings.aircrafts_data (
    aircraft_code character(3) NOT NULL,
    model jsonb NOT NULL,
    range integer NOT NULL,
    CONSTRAINT aircrafts_range_check CHECK ((range > 0)),
    CONSTRAINT aircrafts_pkey PRIMARY KEY (aircraft_code)
);
COMMENT ON TABLE bookings.aircrafts_data IS 'Aircrafts (internal data)';
COMMENT ON COLUMN bookings.aircrafts_data.model IS 'Aircraft model';

CREATE VIEW bookings.aircrafts AS
 SELECT ml.aircraft_code,
    (ml.model ->> bookings.lang()) AS model,
    ml.range
   FROM bookings.aircrafts_data ml;
COMMENT ON VIEW bookings.aircrafts IS 'Aircrafts';

CREATE TABLE bookings.airports_data (
    airport_code character(3) NOT NULL,
    airport_name jsonb NOT NULL,
    city jsonb NOT NULL,
    coordinates point NOT NULL,
    timezone text NOT NULL,
    CONSTRAINT airports_data_pkey PRIMARY KEY (airport_code)
);
COMMENT ON TABLE bookings.airports_data IS 'Airports (internal data)';
COMMENT ON COLUMN bookings.airports_data.coordinates IS 'Airport coordinates (longitude and latitude)';

CREATE VIEW bookings.airports AS
 SELECT ml.airport_code,
    (ml.airport_name ->> bookings.lang()) AS airport_name,
    (ml.city ->> bookings.lang()) AS city,
    ml.coordinates,
    ml.timezone
   FROM bookings.airports_data ml;
COMMENT ON VIEW bookings.airports IS 'Airports';

CREATE TABLE bookings.seats (
    aircraft_code character(3) NOT NULL,
    seat_no character varying(4) NOT NULL,
    fare_conditions character varying(10) NOT NULL,
    CONSTRAINT seats_fare_conditions_check CHECK (((fare_conditions)::text = ANY (ARRAY[('Economy'::character varying)::text, ('Comfort'::character varying)::text, ('Business'::character varying)::text]))),
    CONSTRAINT seats_pkey PRIMARY KEY (aircraft_code, seat_no),
    CONSTRAINT seats_aircraft_code_fkey FOREIGN KEY (aircraft_code) REFERENCES bookings.aircrafts_data(aircraft_code) ON DELETE CASCADE
);
COMMENT ON TABLE bookings.seats IS 'Seats';

CREATE TABLE bookings.flights (
    flight_id serial NOT NULL,
    flight_no character(6) NOT NULL,
    scheduled_departure timestamp with time zone NOT NULL,
    scheduled_arrival timestamp with time zone NOT NULL,
    departure_airport character(3) NOT NULL,
    arrival_airport character(3) NOT NULL,
    status character varying(20) NOT NULL,
    aircraft_code character(3) NOT NULL,
    actual_departure timestamp with time zone,
    actual_arrival timestamp with time zone,
    CONSTRAINT flights_check CHECK ((scheduled_arrival > scheduled_departure)),
    CONSTRAINT flights_check1 CHECK (((actual_arrival IS NULL) OR ((actual_departure IS NOT NULL) AND (actual_arrival IS NOT NULL) AND (actual_arrival > actual_departure)))),
    CONSTRAINT flights_status_check CHECK (((status)::text = ANY (ARRAY[('On Time'::character varying)::text, ('Delayed'::character varying)::text, ('Departed'::character varying)::text, ('Arrived'::character varying)::text, ('Scheduled'::character varying)::text, ('Cancelled'::character varying)::text]))),
    CONSTRAINT flights_pkey PRIMARY KEY (flight_id),
    CONSTRAINT flights_flight_no_scheduled_departure_key UNIQUE (flight_no, scheduled_departure),
    CONSTRAINT flights_aircraft_code_fkey FOREIGN KEY (aircraft_code) REFERENCES bookings.aircrafts_data(aircraft_code),
    CONSTRAINT flights_arrival_airport_fkey FOREIGN KEY (arrival_airport) REFERENCES bookings.airports_data(airport_code),
    CONSTRAINT flights_departure_airport_fkey FOREIGN KEY (departure_airport) REFERENCES bookings.airports_data(airport_code)
);
COMMENT ON TABLE bookings.flights IS 'Flights';
COMMENT ON COLUMN bookings.flights.status IS 'Flight status';

CREATE TABLE bookings.bookings (
    book_ref character(6) NOT NULL,
    book_date timestamp with time zone NOT NULL,
    total_amount numeric(10,2) NOT NULL,
    CONSTRAINT bookings_pkey PRIMARY KEY (book_ref)
);
COMMENT ON TABLE bookings.bookings IS 'Bookings';

CREATE TABLE bookings.tickets (
    ticket_no character(13) NOT NULL,
    book_ref character(6) NOT NULL,
    passenger_id character varying(20) NOT NULL,
    passenger_name text NOT NULL,
    contact_data jsonb,
    CONSTRAINT tickets_pkey PRIMARY KEY (ticket_no),
    CONSTRAINT tickets_book_ref_fkey FOREIGN KEY (book_ref) REFERENCES bookings.bookings(book_ref)
);
COMMENT ON TABLE bookings.tickets IS 'Tickets';

CREATE TABLE bookings.ticket_flights (
    ticket_no character(13) NOT NULL,
    flight_id integer NOT NULL,
    fare_conditions character varying(10) NOT NULL,
    amount numeric(10,2) NOT NULL,
    CONSTRAINT ticket_flights_amount_check CHECK ((amount >= (0)::numeric)),
    CONSTRAINT ticket_flights_fare_conditions_check CHECK (((fare_conditions)::text = ANY (ARRAY[('Economy'::character varying)::text, ('Comfort'::character varying)::text, ('Business'::character varying)::text]))),
    CONSTRAINT ticket_flights_pkey PRIMARY KEY (ticket_no, flight_id),
    CONSTRAINT ticket_flights_flight_id_fkey FOREIGN KEY (flight_id) REFERENCES bookings.flights(flight_id),
    CONSTRAINT ticket_flights_ticket_no_fkey FOREIGN KEY (ticket_no) REFERENCES bookings.tickets(ticket_no)
);
COMMENT ON TABLE bookings.ticket_flights IS 'Flight segment';

CREATE TABLE bookings.boarding_passes (
    ticket_no character(13) NOT NULL,
    flight_id integer NOT NULL,
    boarding_no integer NOT NULL,
    seat_no character varying(4) NOT NULL,
    CONSTRAINT boarding_passes_pkey PRIMARY KEY (ticket_no, flight_id),
    CONSTRAINT boarding_passes_flight_id_boarding_no_key UNIQUE (flight_id, boarding_no),
    CONSTRAINT boarding_passes_flight_id_seat_no_key UNIQUE (flight_id, seat_no),
    CONSTRAINT boarding_passes_ticket_no_fkey FOREIGN KEY (ticket_no, flight_id) REFERENCES bookings.ticket_flights(ticket_no, flight_id)
);
COMMENT ON TABLE bookings.boarding_passes IS 'Boarding passes';

CREATE VIEW bookings.flights_v AS
 SELECT f.flight_id,
    f.flight_no,
    f.scheduled_departure,
    timezone(dep.timezone, f.scheduled_departure) AS scheduled_departure_local,
    f.scheduled_arrival,
    timezone(arr.timezone, f.scheduled_arrival) AS scheduled_arrival_local,
    (f.scheduled_arrival - f.scheduled_departure) AS scheduled_duration,
    f.departure_airport,
    dep.airport_name AS departure_airport_name,
    dep.city AS departure_city,
    f.arrival_airport,
    arr.airport_name AS arrival_airport_name,
    arr.city AS arrival_city,
    f.status,
    f.aircraft_code,
    f.actual_departure,
    timezone(dep.timezone, f.actual_departure) AS actual_departure_local,
    f.actual_arrival,
    timezone(arr.timezone, f.actual_arrival) AS actual_arrival_local,
    (f.actual_arrival - f.actual_departure) AS actual_duration
   FROM bookings.flights f,
    bookings.airports dep,
    bookings.airports arr
  WHERE ((f.departure_airport = dep.airport_code) AND (f.arrival_airport = arr.airport_code));
COMMENT ON VIEW bookings.flights_v IS 'Flights (extended)';

CREATE VIEW bookings.routes AS
 WITH f3 AS (
         SELECT f2.flight_no,
            f2.departure_airport,
            f2.arrival_airport,
            f2.aircraft_code,
            f2.duration,
            array_agg(f2.days_of_week) AS days_of_week
           FROM ( SELECT f1.flight_no,
                    f1.departure_airport,
                    f1.arrival_airport,
                    f1.aircraft_code,
                    f1.duration,
                    f1.days_of_week
                   FROM ( SELECT flights.flight_no,
                            flights.departure_airport,
                            flights.arrival_airport,
                            flights.aircraft_code,
                            (flights.scheduled_arrival - flights.scheduled_departure) AS duration,
                            (to_char(flights.scheduled_departure, 'ID'::text))::integer AS days_of_week
                           FROM bookings.flights) f1
                  GROUP BY f1.flight_no, f1.departure_airport, f1.arrival_airport, f1.aircraft_code, f1.duration, f1.days_of_week
                  ORDER BY f1.flight_no, f1.departure_airport, f1.arrival_airport, f1.aircraft_code, f1.duration, f1.days_of_week) f2
          GROUP BY f2.flight_no, f2.departure_airport, f2.arrival_airport, f2.aircraft_code, f2.duration
        )
 SELECT f3.flight_no,
    f3.departure_airport,
    dep.airport_name AS departure_airport_name,
    dep.city AS departure_city,
    f3.arrival_airport,
    arr.airport_name AS arrival_airport_name,
    arr.city AS arrival_city,
    f3.aircraft_code,
    f3.duration,
    f3.days_of_week
   FROM f3,
    bookings.airports dep,
    bookings.airports arr
  WHERE ((f3.departure_airport = dep.airport_code) AND (f3.arrival_airport = arr.airport_code));
COMMENT ON VIEW bookings.routes IS 'Routes';

-- ---------------------------------------------------------------- rows
SELECT setseed(0.42);

INSERT INTO bookings.aircrafts_data (aircraft_code, model, range) VALUES
 ('773', '{"en": "Boeing 777-300", "ru": "Боинг 777-300"}', 11100),
 ('763', '{"en": "Boeing 767-300", "ru": "Боинг 767-300"}', 7900),
 ('SU9', '{"en": "Sukhoi Superjet-100", "ru": "Сухой Суперджет-100"}', 3000),
 ('320', '{"en": "Airbus A320-200", "ru": "Аэробус A320-200"}', 5700),
 ('321', '{"en": "Airbus A321-200", "ru": "Аэробус A321-200"}', 5600),
 ('319', '{"en": "Airbus A319-100", "ru": "Аэробус A319-100"}', 6700),
 ('733', '{"en": "Boeing 737-300", "ru": "Боинг 737-300"}', 4200),
 ('CN1', '{"en": "Cessna 208 Caravan", "ru": "Сессна 208 Караван"}', 1200),
 ('CR2', '{"en": "Bombardier CRJ-200", "ru": "Бомбардье CRJ-200"}', 2700);

INSERT INTO bookings.airports_data (airport_code, airport_name, city, coordinates, timezone)
SELECT code, jsonb_build_object('en', name_en, 'ru', name_ru), jsonb_build_object('en', city_en, 'ru', city_ru),
       point(lon, lat), tz
FROM (VALUES
 ('SVO', 'Sheremetyevo International Airport', 'Шереметьево', 'Moscow', 'Москва', 37.4146, 55.9726, 'Europe/Moscow'),
 ('DME', 'Domodedovo International Airport', 'Домодедово', 'Moscow', 'Москва', 37.9063, 55.4088, 'Europe/Moscow'),
 ('VKO', 'Vnukovo International Airport', 'Внуково', 'Moscow', 'Москва', 37.2615, 55.5915, 'Europe/Moscow'),
 ('LED', 'Pulkovo Airport', 'Пулково', 'St. Petersburg', 'Санкт-Петербург', 30.2625, 59.8003, 'Europe/Moscow'),
 ('KZN', 'Kazan International Airport', 'Казань', 'Kazan', 'Казань', 49.2787, 55.6062, 'Europe/Moscow'),
 ('AER', 'Sochi International Airport', 'Сочи', 'Sochi', 'Сочи', 39.9566, 43.4499, 'Europe/Moscow'),
 ('KRR', 'Krasnodar Pashkovsky International Airport', 'Краснодар', 'Krasnodar', 'Краснодар', 39.1705, 45.0347, 'Europe/Moscow'),
 ('ROV', 'Rostov-on-Don Airport', 'Ростов-на-Дону', 'Rostov', 'Ростов-на-Дону', 39.8181, 47.2582, 'Europe/Moscow'),
 ('SVX', 'Koltsovo Airport', 'Кольцово', 'Yekaterinburg', 'Екатеринбург', 60.8027, 56.7431, 'Asia/Yekaterinburg'),
 ('OVB', 'Tolmachevo Airport', 'Толмачёво', 'Novosibirsk', 'Новосибирск', 82.6507, 55.0126, 'Asia/Novosibirsk'),
 ('KJA', 'Yemelyanovo Airport', 'Емельяново', 'Krasnoyarsk', 'Красноярск', 92.4933, 56.1729, 'Asia/Krasnoyarsk'),
 ('IKT', 'Irkutsk Airport', 'Иркутск', 'Irkutsk', 'Иркутск', 104.3890, 52.2680, 'Asia/Irkutsk'),
 ('KHV', 'Khabarovsk-Novy Airport', 'Хабаровск-Новый', 'Khabarovsk', 'Хабаровск', 135.1880, 48.5280, 'Asia/Vladivostok'),
 ('VVO', 'Vladivostok International Airport', 'Владивосток', 'Vladivostok', 'Владивосток', 132.1480, 43.3990, 'Asia/Vladivostok'),
 ('UFA', 'Ufa International Airport', 'Уфа', 'Ufa', 'Уфа', 55.8744, 54.5575, 'Asia/Yekaterinburg'),
 ('KUF', 'Kurumoch International Airport', 'Курумоч', 'Samara', 'Самара', 50.1643, 53.5049, 'Europe/Samara'),
 ('PEE', 'Bolshoye Savino Airport', 'Большое Савино', 'Perm', 'Пермь', 56.0212, 57.9145, 'Asia/Yekaterinburg'),
 ('MRV', 'Mineralnyye Vody Airport', 'Минеральные Воды', 'Mineralnye Vody', 'Минеральные Воды', 43.0819, 44.2251, 'Europe/Moscow'),
 ('KGD', 'Khrabrovo Airport', 'Храброво', 'Kaliningrad', 'Калининград', 20.5926, 54.8900, 'Europe/Kaliningrad'),
 ('ARH', 'Talagi Airport', 'Талаги', 'Arkhangelsk', 'Архангельск', 40.7167, 64.6003, 'Europe/Moscow')
) AS a(code, name_en, name_ru, city_en, city_ru, lon, lat, tz);

-- seats: business rows first, then comfort (777 only), then economy; letters per class and aircraft
INSERT INTO bookings.seats (aircraft_code, seat_no, fare_conditions)
SELECT c.code, r || substr(c.letters, l, 1), c.fare
FROM (VALUES
 ('773', 'Business', 1, 2, 'ACDF'), ('773', 'Comfort', 3, 4, 'ABCDEF'), ('773', 'Economy', 5, 14, 'ABCDEFGH'),
 ('763', 'Business', 1, 2, 'ACDF'), ('763', 'Economy', 3, 12, 'ABCDEF'),
 ('SU9', 'Business', 1, 2, 'ACD'), ('SU9', 'Economy', 3, 10, 'ACDEF'),
 ('320', 'Business', 1, 2, 'ACDF'), ('320', 'Economy', 3, 10, 'ABCDEF'),
 ('321', 'Business', 1, 3, 'ACDF'), ('321', 'Economy', 4, 12, 'ABCDEF'),
 ('319', 'Business', 1, 2, 'ACDF'), ('319', 'Economy', 3, 9, 'ABCDEF'),
 ('733', 'Business', 1, 2, 'ACDF'), ('733', 'Economy', 3, 10, 'ABCDEF'),
 ('CN1', 'Economy', 1, 6, 'AB'),
 ('CR2', 'Economy', 1, 10, 'ACD')
) AS c(code, fare, first_row, last_row, letters),
LATERAL generate_series(c.first_row, c.last_row) AS r,
LATERAL generate_series(1, length(c.letters)) AS l;

-- routes come in pairs (there and back), each flown on some days of a 60-day window around bookings.now()
CREATE TEMP TABLE route AS
SELECT n, 'PG' || lpad(n::text, 4, '0') AS flight_no, dep, arr, aircraft, duration, dep_time, price
FROM (
  SELECT (2 * p - 1)::int AS n, a.dep, a.arr, a.aircraft, a.duration, a.dep_time, a.price FROM (
    SELECT row_number() OVER () AS p, * FROM (VALUES
     ('SVO', 'LED', '321', 80, 7, 6900), ('DME', 'AER', '763', 145, 9, 11200), ('VKO', 'KZN', 'SU9', 95, 11, 7400),
     ('SVO', 'OVB', '773', 245, 13, 23800), ('DME', 'SVX', '320', 140, 8, 13300), ('LED', 'KGD', '319', 95, 15, 8200),
     ('SVO', 'VVO', '773', 500, 21, 52700), ('KZN', 'UFA', 'CR2', 75, 10, 5400), ('ROV', 'KRR', 'CN1', 60, 12, 3900),
     ('SVO', 'IKT', '763', 335, 22, 35400), ('OVB', 'KJA', 'CR2', 80, 14, 6100), ('DME', 'MRV', '733', 130, 7, 10800),
     ('LED', 'ARH', 'SU9', 100, 16, 8600), ('KUF', 'PEE', 'CN1', 90, 9, 4800), ('VKO', 'KHV', '773', 475, 20, 49900),
     ('SVO', 'ROV', '321', 115, 17, 9700), ('DME', 'KUF', '319', 105, 18, 8800), ('LED', 'SVX', '320', 175, 6, 15900)
    ) AS v(dep, arr, aircraft, duration, dep_time, price)) AS a
  UNION ALL
  SELECT (2 * p)::int, b.arr, b.dep, b.aircraft, b.duration, (b.dep_time + 6) % 24, b.price FROM (
    SELECT row_number() OVER () AS p, * FROM (VALUES
     ('SVO', 'LED', '321', 80, 7, 6900), ('DME', 'AER', '763', 145, 9, 11200), ('VKO', 'KZN', 'SU9', 95, 11, 7400),
     ('SVO', 'OVB', '773', 245, 13, 23800), ('DME', 'SVX', '320', 140, 8, 13300), ('LED', 'KGD', '319', 95, 15, 8200),
     ('SVO', 'VVO', '773', 500, 21, 52700), ('KZN', 'UFA', 'CR2', 75, 10, 5400), ('ROV', 'KRR', 'CN1', 60, 12, 3900),
     ('SVO', 'IKT', '763', 335, 22, 35400), ('OVB', 'KJA', 'CR2', 80, 14, 6100), ('DME', 'MRV', '733', 130, 7, 10800),
     ('LED', 'ARH', 'SU9', 100, 16, 8600), ('KUF', 'PEE', 'CN1', 90, 9, 4800), ('VKO', 'KHV', '773', 475, 20, 49900),
     ('SVO', 'ROV', '321', 115, 17, 9700), ('DME', 'KUF', '319', 105, 18, 8800), ('LED', 'SVX', '320', 175, 6, 15900)
    ) AS v(dep, arr, aircraft, duration, dep_time, price)) AS b
) AS both_ways;

-- flights: scheduled in the window 2017-07-16 .. 2017-09-13; status from bookings.now()
CREATE TEMP TABLE flight_plan AS
SELECT r.flight_no, r.dep, r.arr, r.aircraft,
       ('2017-07-16'::date + d + make_interval(hours => r.dep_time, mins => 5 * (r.n % 12)))::timestamp AT TIME ZONE 'Europe/Moscow' AS sched_dep,
       make_interval(mins => r.duration) AS duration,
       random() AS fate, (random() * 40)::int AS delay_min, (random() * 20)::int - 10 AS drift_min
FROM route r, generate_series(0, 59) AS d
WHERE (d + r.n) % 3 = 0;

INSERT INTO bookings.flights (flight_no, scheduled_departure, scheduled_arrival, departure_airport, arrival_airport,
                              status, aircraft_code, actual_departure, actual_arrival)
SELECT flight_no, sched_dep, sched_dep + duration, dep, arr,
       CASE WHEN sched_dep > bookings.now() + interval '1 day' THEN 'Scheduled'
            WHEN sched_dep > bookings.now() THEN CASE WHEN fate < 0.2 THEN 'Delayed' ELSE 'On Time' END
            WHEN fate < 0.02 THEN 'Cancelled'
            WHEN act_dep > bookings.now() THEN 'Delayed'
            WHEN act_dep + duration + make_interval(mins => drift_min) > bookings.now() THEN 'Departed'
            ELSE 'Arrived' END,
       aircraft,
       CASE WHEN act_dep <= bookings.now() AND fate >= 0.02 THEN act_dep END,
       CASE WHEN act_dep <= bookings.now() AND fate >= 0.02
                 AND act_dep + duration + make_interval(mins => drift_min) <= bookings.now()
            THEN act_dep + duration + make_interval(mins => drift_min) END
FROM (SELECT *, sched_dep + make_interval(mins => delay_min) AS act_dep FROM flight_plan) AS p
ORDER BY sched_dep, flight_no;

-- bookings: one outbound flight, and for some a flight back from where it lands
CREATE TEMP TABLE booking_plan AS
SELECT b, out.flight_id AS out_id, back.flight_id AS back_id, out.scheduled_departure AS first_dep,
       1 + (random() * random() * 3)::int AS passengers, random() AS class_draw, random() AS date_draw
FROM generate_series(1, 700) AS b
CROSS JOIN LATERAL (SELECT f.* FROM bookings.flights f WHERE f.flight_id > 0 * b
                    ORDER BY random() LIMIT 1) AS out
LEFT JOIN LATERAL (SELECT f.flight_id FROM bookings.flights f
                   WHERE f.departure_airport = out.arrival_airport AND f.arrival_airport = out.departure_airport
                     AND f.scheduled_departure > out.scheduled_arrival + interval '2 hours'
                     AND f.scheduled_departure < out.scheduled_arrival + interval '10 days'
                   ORDER BY f.scheduled_departure LIMIT 1) AS back ON random() < 0.45;

CREATE TEMP TABLE ticket_plan AS
SELECT b.b, upper(lpad(to_hex((b.b * 7919) % 16777216), 6, '0')) AS book_ref,
       '000543' || lpad((1000000 + row_number() OVER (ORDER BY b.b, p))::text, 7, '0') AS ticket_no,
       b.out_id, b.back_id, b.class_draw
FROM booking_plan b, generate_series(1, b.passengers) AS p;

-- segments: the fare class is one the flight's aircraft has; the price is the route's price times the class factor
CREATE TEMP TABLE segment AS
SELECT t.ticket_no, t.book_ref, f.flight_id,
       CASE WHEN t.class_draw < 0.12 AND EXISTS (SELECT 1 FROM bookings.seats s WHERE s.aircraft_code = f.aircraft_code AND s.fare_conditions = 'Business') THEN 'Business'
            WHEN t.class_draw < 0.22 AND EXISTS (SELECT 1 FROM bookings.seats s WHERE s.aircraft_code = f.aircraft_code AND s.fare_conditions = 'Comfort') THEN 'Comfort'
            ELSE 'Economy' END AS fare_conditions,
       r.price
FROM ticket_plan t
JOIN LATERAL (VALUES (t.out_id), (t.back_id)) AS leg(flight_id) ON leg.flight_id IS NOT NULL
JOIN bookings.flights f ON f.flight_id = leg.flight_id
JOIN route r ON r.flight_no = f.flight_no;

INSERT INTO bookings.bookings (book_ref, book_date, total_amount)
SELECT t.book_ref,
       date_trunc('minute', least(b.first_dep - make_interval(hours => 2 + (b.date_draw * 700)::int),
                                  bookings.now() - make_interval(mins => 10 + (b.date_draw * 3000)::int))),
       (SELECT sum(round(s.price * CASE s.fare_conditions WHEN 'Business' THEN 3 WHEN 'Comfort' THEN 1.6 ELSE 1 END, -2))
          FROM segment s WHERE s.book_ref = t.book_ref)
FROM (SELECT DISTINCT b, book_ref FROM ticket_plan) AS t JOIN booking_plan b ON b.b = t.b;

INSERT INTO bookings.tickets (ticket_no, book_ref, passenger_id, passenger_name, contact_data)
SELECT t.ticket_no, t.book_ref,
       lpad((random() * 9999)::int::text, 4, '0') || ' ' || lpad((random() * 999999)::int::text, 6, '0'),
       n.first || ' ' || n.last,
       CASE WHEN random() < 0.6
            THEN jsonb_build_object('email', lower(n.first) || '.' || lower(n.last) || '-' || (1950 + (random() * 50)::int) || '@postgrespro.ru',
                                    'phone', '+70' || lpad((random() * 999999999)::bigint::text, 9, '0'))
            ELSE jsonb_build_object('phone', '+70' || lpad((random() * 999999999)::bigint::text, 9, '0')) END
FROM ticket_plan t
CROSS JOIN LATERAL (SELECT (ARRAY['ALEKSANDR', 'DMITRIY', 'SERGEY', 'ANDREY', 'ELENA', 'OLGA', 'TATYANA', 'NATALIYA', 'VLADIMIR',
                                  'IRINA', 'MIKHAIL', 'ALEKSEY', 'SVETLANA', 'YURIY', 'GALINA', 'NIKOLAY', 'LYUDMILA', 'PAVEL'])[1 + (random() * 17)::int + 0 * length(t.ticket_no)] AS first,
                           (ARRAY['IVANOV', 'SMIRNOV', 'KUZNECOV', 'POPOV', 'VASILEV', 'PETROV', 'SOKOLOV', 'MIKHAYLOV', 'NOVIKOV',
                                  'FEDOROV', 'MOROZOV', 'VOLKOV', 'ALEKSEEV', 'LEBEDEV', 'SEMENOV', 'EGOROV', 'PAVLOV', 'KOZLOV'])[1 + (random() * 17)::int + 0 * length(t.ticket_no)] AS last) AS n;

INSERT INTO bookings.ticket_flights (ticket_no, flight_id, fare_conditions, amount)
SELECT ticket_no, flight_id, fare_conditions,
       round(price * CASE fare_conditions WHEN 'Business' THEN 3 WHEN 'Comfort' THEN 1.6 ELSE 1 END, -2)
FROM segment;

-- boarding passes for flights that have left: the k-th passenger of a class gets the k-th seat of that class
INSERT INTO bookings.boarding_passes (ticket_no, flight_id, boarding_no, seat_no)
SELECT p.ticket_no, p.flight_id, row_number() OVER (PARTITION BY p.flight_id ORDER BY p.draw), s.seat_no
FROM (SELECT tf.*, f.aircraft_code, random() AS draw,
             row_number() OVER (PARTITION BY tf.flight_id, tf.fare_conditions ORDER BY tf.ticket_no) AS k
      FROM bookings.ticket_flights tf JOIN bookings.flights f ON f.flight_id = tf.flight_id
      WHERE f.status IN ('Departed', 'Arrived')) AS p
JOIN (SELECT s.*, row_number() OVER (PARTITION BY s.aircraft_code, s.fare_conditions ORDER BY random()) AS k
      FROM bookings.seats s) AS s
  ON s.aircraft_code = p.aircraft_code AND s.fare_conditions = p.fare_conditions AND s.k = p.k;

DROP TABLE route, flight_plan, booking_plan, ticket_plan, segment;
